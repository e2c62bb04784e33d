package org.difflabel.calibration;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What {@link Calibrator#calibrate} found for one model version: the fitted temperature and the
 * certified auto-accept threshold (the values a triage policy would take, see
 * {@link #certifiedThreshold()} and {@link #temperature()}), plus the evidence for the report.
 *
 * @param recordTemperature   the temperature on the records (median, if they differ)
 * @param temperature         the temperature fitted on the fit part
 * @param fitLabelled         labelled results the temperature was fitted on
 * @param holdoutItems        results in the held-out part (labelled + accepted-but-not-audited)
 * @param holdoutLabelled     labelled results among them (NLL/ECE are over these)
 * @param reviewProbabilities held-out labelled results per review probability (weight = 1 / it)
 * @param before              NLL/ECE/accuracy on the held-out part at the records' own probabilities
 * @param after               the same at the fitted temperature
 * @param certification       the Learn-then-Test outcome on the held-out part, at the fitted temperature
 */
public record CalibrationResult(double recordTemperature, double temperature, int fitLabelled, int holdoutItems,
                                int holdoutLabelled, Map<Double, Integer> reviewProbabilities, Quality before,
                                Quality after, RiskControl.Certification certification) {

    /** NLL, ECE, accuracy and the reliability bins of one temperature on the held-out part. */
    public record Quality(double nll, double ece, double accuracy, List<Metrics.Bin> reliability) {
    }

    /** The threshold that is certified, or empty when too few reviews certify any. */
    public OptionalDouble certifiedThreshold() {
        RiskControl.Certification c = certification;
        return c.certified() ? OptionalDouble.of(c.threshold()) : OptionalDouble.empty();
    }
}
