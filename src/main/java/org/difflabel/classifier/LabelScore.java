package org.difflabel.classifier;

/**
 * One label's result. {@code meanError} is over the label's own {@code samples} (fewer for a
 * label eliminated early); {@code standardError} is the standard error of that mean;
 * {@code sampleErrors[j]} is the error on sample j of the request's plan (for audits, parity
 * checks and accuracy-vs-budget curves).
 */
public record LabelScore(String label, double probability, double meanError, double standardError, int samples,
                         double[] sampleErrors) {
}
