package org.difflabel.calibration;

import java.util.List;

/**
 * A model's result for one event, as far as calibration needs it: every label's probability,
 * mean error and sample count, and the temperature the probabilities were computed with.
 */
public record ScoredResult(String eventId, List<LabelResult> labels, double temperature) {
    public ScoredResult {
        labels = List.copyOf(labels);
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("result " + eventId + " has no labels");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("result " + eventId + " has temperature " + temperature);
        }
    }
}
