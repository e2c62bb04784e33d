package org.difflabel.policy;

import org.difflabel.contracts.LabelThresholds;
import org.difflabel.contracts.TriagePolicySpec;
import org.difflabel.stream.ActivePolicy;
import org.difflabel.stream.TriagePolicy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Converts between the policy record on {@code labeler.policy} and the policy the worker applies, validating on the way in. */
public final class PolicySpecs {
    private PolicySpecs() {
    }

    /** The record of {@code policy} (e.g. the configured one, to seed an empty topic). */
    public static TriagePolicySpec toSpec(ActivePolicy policy, String createdBy, String note, Instant at) {
        TriagePolicy t = policy.triage();
        Map<String, LabelThresholds> labels = new HashMap<>();
        t.perLabel().forEach((label, x) -> labels.put(label, new LabelThresholds(x.minConfidence(), x.minMargin(),
                x.maxEntropy())));
        return TriagePolicySpec.newBuilder()
                .setVersion(t.version())
                .setMinConfidence(t.defaults().minConfidence())
                .setMinMargin(t.defaults().minMargin())
                .setMaxEntropy(t.defaults().maxEntropy())
                .setAuditRate(t.auditRate())
                .setLabels(labels)
                .setTemperatures(new HashMap<>(policy.temperatures()))
                .setCreatedAt(at)
                .setCreatedBy(createdBy)
                .setNote(note)
                .build();
    }

    /**
     * The policy of {@code spec}, checked: a non-blank version, thresholds in [0, 1], entropy and
     * temperatures finite and positive (entropy may be 0), the audit rate in [0, 1].
     *
     * @throws InvalidPolicyException naming the first problem
     */
    public static ActivePolicy fromSpec(TriagePolicySpec spec) {
        if (spec.getVersion() == null || spec.getVersion().isBlank()) {
            throw new InvalidPolicyException("the policy has no version");
        }
        String v = "policy " + spec.getVersion() + ": ";
        TriagePolicy.Thresholds defaults = thresholds(v + "default", spec.getMinConfidence(), spec.getMinMargin(),
                spec.getMaxEntropy());
        Map<String, TriagePolicy.Thresholds> perLabel = new HashMap<>();
        spec.getLabels().forEach((label, x) -> perLabel.put(label, thresholds(v + "label '" + label + "'",
                x.getMinConfidence() != null ? x.getMinConfidence() : defaults.minConfidence(),
                x.getMinMargin() != null ? x.getMinMargin() : defaults.minMargin(),
                x.getMaxEntropy() != null ? x.getMaxEntropy() : defaults.maxEntropy())));
        if (!(spec.getAuditRate() >= 0 && spec.getAuditRate() <= 1)) {
            throw new InvalidPolicyException(v + "audit rate " + spec.getAuditRate() + " is not in [0, 1]");
        }
        spec.getTemperatures().forEach((model, temperature) -> {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new InvalidPolicyException(v + "temperature " + temperature + " for " + model
                        + " is not a positive number");
            }
            if (!model.contains(":")) {
                throw new InvalidPolicyException(v + "temperature key '" + model + "' is not modelId:modelVersion");
            }
        });
        return new ActivePolicy(new TriagePolicy(spec.getVersion(), defaults, perLabel, spec.getAuditRate()),
                spec.getTemperatures());
    }

    private static TriagePolicy.Thresholds thresholds(String where, double minConfidence, double minMargin, Double maxEntropy) {
        if (!(minConfidence >= 0 && minConfidence <= 1) || !(minMargin >= 0 && minMargin <= 1)) {
            throw new InvalidPolicyException(where + " thresholds: confidence " + minConfidence + " and margin "
                    + minMargin + " must be in [0, 1]");
        }
        if (maxEntropy != null && !(maxEntropy >= 0 && !maxEntropy.isInfinite())) {
            throw new InvalidPolicyException(where + " thresholds: entropy " + maxEntropy + " must be a number >= 0");
        }
        return new TriagePolicy.Thresholds(minConfidence, minMargin, maxEntropy);
    }
}
