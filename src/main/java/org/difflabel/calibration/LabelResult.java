package org.difflabel.calibration;

/** One label of a scored result as the {@code LabelPosterior} record carries it. */
public record LabelResult(String label, double probability, double meanError, int samples) {
}
