package org.difflabel.stream;

import org.difflabel.classifier.NoiseGenerator;
import org.difflabel.classifier.Posterior;
import org.difflabel.contracts.ReviewReason;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which results go on automatically and which go to a person. A result is accepted when its
 * confidence, margin and (optionally) entropy all pass the thresholds of its top label (a
 * per-label override, else the defaults); otherwise it goes to review with the reasons it failed.
 * Review priority puts the closest calls first: {@code round(1000 x (1 - margin))}, 0..1000.
 *
 * <p>Audit sampling: a share {@code auditRate} of the results the thresholds would accept goes to
 * review as well (reason AUDIT_SAMPLE, the sampling probability recorded), so that human labels
 * also exist for accepted results, not only for uncertain ones: without them nothing can be said
 * about the error among accepted results. The choice is a deterministic function of the event id
 * (a replay makes the same choice), uniform over ids.
 *
 * @param version   stamped on every output, so a result can be traced to the policy that routed it
 * @param defaults  thresholds for labels without an override
 * @param perLabel  overrides by top label
 * @param auditRate share of would-be-accepted results sent to review as audit samples, in [0, 1]
 */
public record TriagePolicy(String version, Thresholds defaults, Map<String, Thresholds> perLabel, double auditRate) {

    /**
     * @param minConfidence accept only if the top probability is at least this
     * @param minMargin     accept only if top minus runner-up is at least this
     * @param maxEntropy    accept only if the entropy (nats) is at most this; null: not checked
     */
    public record Thresholds(double minConfidence, double minMargin, Double maxEntropy) {
        public Thresholds {
            if (minConfidence < 0 || minConfidence > 1 || minMargin < 0 || minMargin > 1) {
                throw new IllegalArgumentException("confidence and margin thresholds must be in [0, 1]");
            }
            if (maxEntropy != null && maxEntropy < 0) {
                throw new IllegalArgumentException("entropy threshold must be >= 0");
            }
        }
    }

    /**
     * The routing of one result.
     *
     * @param auditProbability for an audit sample: the probability with which it was drawn; else null
     */
    public record Decision(boolean accepted, List<ReviewReason> reasons, String reason, int priority,
                           Double auditProbability) {
    }

    public TriagePolicy {
        perLabel = Map.copyOf(perLabel);
        if (!(auditRate >= 0 && auditRate <= 1)) {
            throw new IllegalArgumentException("audit rate must be in [0, 1], got " + auditRate);
        }
    }

    /** A policy without audit sampling. */
    public TriagePolicy(String version, Thresholds defaults, Map<String, Thresholds> perLabel) {
        this(version, defaults, perLabel, 0.0);
    }

    /** Whether {@code eventId} falls in the audit sample: a uniform draw in [0, 1) from the id alone. */
    public boolean audited(String eventId) {
        if (auditRate <= 0) {
            return false;
        }
        long bits = NoiseGenerator.sampleSeed(NoiseGenerator.requestSeed(eventId, "audit"), 0);
        return ((bits >>> 11) * 0x1.0p-53) < auditRate;
    }

    public Thresholds thresholdsFor(String label) {
        return perLabel.getOrDefault(label, defaults);
    }

    public Decision decide(Posterior p, String eventId) {
        String top = p.top().label();
        Thresholds t = thresholdsFor(top);
        List<ReviewReason> reasons = new ArrayList<>();
        List<String> why = new ArrayList<>();
        if (p.confidence() < t.minConfidence()) {
            reasons.add(ReviewReason.LOW_CONFIDENCE);
            why.add(String.format(Locale.ROOT, "confidence %.3f < %.3f", p.confidence(), t.minConfidence()));
        }
        if (p.margin() < t.minMargin()) {
            reasons.add(ReviewReason.LOW_MARGIN);
            why.add(String.format(Locale.ROOT, "margin %.3f < %.3f", p.margin(), t.minMargin()));
        }
        if (t.maxEntropy() != null && p.entropy() > t.maxEntropy()) {
            reasons.add(ReviewReason.HIGH_ENTROPY);
            why.add(String.format(Locale.ROOT, "entropy %.3f > %.3f", p.entropy(), t.maxEntropy()));
        }
        if (p.budgetLimited()) {
            // an answer cut short by the budget is not the model's considered answer: a person decides
            reasons.add(ReviewReason.BUDGET_LIMITED);
            why.add(String.format(Locale.ROOT, "stopped by the evaluation budget after %d evaluations", p.evaluations()));
        }
        String scope = perLabel.containsKey(top) ? "label '" + top + "' thresholds" : "default thresholds";
        int priority = (int) Math.round(1000 * (1 - Math.max(0, Math.min(1, p.margin()))));
        if (reasons.isEmpty()) {
            if (audited(eventId)) {
                return new Decision(false, List.of(ReviewReason.AUDIT_SAMPLE), String.format(Locale.ROOT,
                        "audit sample (rate %s) of a result that passes %s", auditRate, scope), priority, auditRate);
            }
            return new Decision(true, List.of(), "passes " + scope, priority, null);
        }
        if (perLabel.containsKey(top)) {
            reasons.add(ReviewReason.LABEL_RULE);
        }
        return new Decision(false, List.copyOf(reasons), String.join("; ", why) + " (" + scope + ")", priority, null);
    }
}
