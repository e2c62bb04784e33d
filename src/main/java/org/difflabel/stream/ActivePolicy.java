package org.difflabel.stream;

import java.util.Map;

/**
 * The policy in force for the next record: the triage thresholds and the temperature per model
 * (keyed {@code modelId:modelVersion}; a model not listed keeps its configured or calibrated one).
 * Fixed for a run from configuration, or the newest valid version on {@code labeler.policy}.
 */
public record ActivePolicy(TriagePolicy triage, Map<String, Double> temperatures) {
    public ActivePolicy {
        temperatures = Map.copyOf(temperatures);
    }

    /** The configured policy, without temperature overrides. */
    public static ActivePolicy of(TriagePolicy triage) {
        return new ActivePolicy(triage, Map.of());
    }

    /** The temperature this policy sets for a model, or null to keep the model's. */
    public Double temperature(String modelId, String modelVersion) {
        return temperatures.get(modelId + ":" + modelVersion);
    }

    public String version() {
        return triage.version();
    }
}
