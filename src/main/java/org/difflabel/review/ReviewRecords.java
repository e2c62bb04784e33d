package org.difflabel.review;

import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelSource;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.contracts.RoutingDecision;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/** Turns a reviewer's {@link Decision} on a {@link ReviewTask} into the records the review side publishes. */
public final class ReviewRecords {
    private ReviewRecords() {
    }

    /**
     * The {@code ReviewedLabel} of {@code decision}: CONFIRMED when the label is the model's top
     * label, CORRECTED for another one (typed when it is not a candidate), REJECTED for a rejection.
     *
     * @param reviewerId who decided: from the login or the annotation tool, never from a request body
     */
    public static ReviewedLabel reviewed(ReviewTask task, Decision decision, String reviewerId, ReviewSource source,
                                         Instant at) {
        if (!task.getEventId().equals(decision.eventId())) {
            throw new IllegalArgumentException("decision for " + decision.eventId() + " applied to task "
                    + task.getEventId());
        }
        if (reviewerId == null || reviewerId.isBlank()) {
            throw new IllegalArgumentException("a decision needs a reviewer");
        }
        ReviewOutcome outcome = decision.rejection() != null ? ReviewOutcome.REJECTED
                : decision.label().equals(task.getTopLabel()) ? ReviewOutcome.CONFIRMED : ReviewOutcome.CORRECTED;
        boolean typed = decision.label() != null && task.getCandidates().stream()
                .noneMatch(c -> c.getLabel().equals(decision.label()));
        return ReviewedLabel.newBuilder()
                .setEventId(task.getEventId())
                .setOutcome(outcome)
                .setFinalLabel(decision.label())
                .setLabelTyped(typed)
                .setRejection(decision.rejection())
                .setModelId(task.getModelId())
                .setModelVersion(task.getModelVersion())
                .setModelTopLabel(task.getTopLabel())
                .setModelConfidence(task.getConfidence())
                .setPolicyVersion(task.getPolicyVersion())
                .setReviewerId(reviewerId)
                .setReviewedAt(at)
                .setTimeSpentMs(decision.timeSpentMs())
                .setSource(source)
                .build();
    }

    /**
     * The human label for {@code labels.accepted} (schemas/README.md, "Human labels"), or empty for
     * a rejection: no label applies, so nothing is accepted.
     */
    public static Optional<LabelPosterior> accepted(ReviewTask task, ReviewedLabel reviewed) {
        if (reviewed.getOutcome() == ReviewOutcome.REJECTED || reviewed.getFinalLabel() == null) {
            return Optional.empty();
        }
        String how = reviewed.getOutcome() == ReviewOutcome.CONFIRMED ? "confirmed" : "corrected from "
                + task.getTopLabel();
        return Optional.of(LabelPosterior.newBuilder()
                .setEventId(task.getEventId())
                .setModelId(task.getModelId())
                .setModelVersion(task.getModelVersion())
                .setPosterior(task.getCandidates())
                .setTopLabel(reviewed.getFinalLabel())
                .setConfidence(1.0)
                .setMargin(1.0)
                .setEntropy(0.0)
                .setEvaluations(0)
                .setLatencyMs(0)
                .setTemperature(0.0)
                .setSeed("")
                .setDecision(RoutingDecision.ACCEPTED)
                .setDecisionReason(String.format(Locale.ROOT, "human label (%s, %s by %s)",
                        reviewed.getSource().name().toLowerCase(Locale.ROOT), how, reviewed.getReviewerId()))
                .setPolicyVersion(task.getPolicyVersion())
                .setAuditProbability(task.getAuditProbability())
                .setMetadata(task.getMetadata())
                .setLineage(task.getSource())
                .setLabelSource(LabelSource.HUMAN)
                .setReviewerId(reviewed.getReviewerId())
                .build());
    }
}
