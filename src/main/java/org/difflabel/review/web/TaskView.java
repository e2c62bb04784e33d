package org.difflabel.review.web;

import org.difflabel.contracts.ReviewTask;

import java.time.Instant;
import java.util.List;

/** A task as the review page shows it (JSON for the page's script). Nothing here is written to logs. */
public record TaskView(String eventId, String modelId, String modelVersion, String topLabel, double confidence,
                       double margin, List<Candidate> candidates, List<String> reasons, String decisionReason,
                       String policyVersion, Instant createdAt, Instant heldSince, String imageUrl) {
    public record Candidate(String label, double probability) {
    }

    /** The confidence as the pages print it. */
    public String confidenceText() {
        return String.format(java.util.Locale.ROOT, "%.2f", confidence);
    }

    static TaskView of(ReviewTask t, Instant heldSince) {
        return new TaskView(t.getEventId(), t.getModelId(), t.getModelVersion(), t.getTopLabel(), t.getConfidence(),
                t.getMargin(), t.getCandidates().stream().map(c -> new Candidate(c.getLabel(), c.getProbability())).toList(),
                t.getReasons().stream().map(Enum::name).toList(), t.getDecisionReason(), t.getPolicyVersion(),
                t.getCreatedAt(), heldSince, ReviewApi.imageUrl(t.getEventId()));
    }
}
