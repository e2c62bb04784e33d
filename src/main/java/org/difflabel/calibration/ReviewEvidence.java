package org.difflabel.calibration;

import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.LabelSource;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.contracts.RoutingDecision;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins one model version's results ({@code labels.scored}) with the human labels
 * ({@code labels.reviewed}) into a calibration set. Both inputs in topic order: the newest record
 * per event id wins on each side.
 *
 * <ul>
 *   <li>A reviewed result is labelled with the reviewer's final label. Its review probability is
 *       the record's {@code auditProbability} when it was an audit sample reviewed in the review
 *       UI or Label Studio, else 1 (the review queue takes every result the thresholds send there;
 *       a dataset label covers every result of the set).</li>
 *   <li>REJECTED reviews (no candidate label applies) are left out: the guarantee is about the error
 *       among results whose image has a label; counting them as errors would mix the rate of
 *       out-of-vocabulary images into it. A typed label outside the candidates counts as an error.</li>
 *   <li>Reviews of another model version (not DATASET ones, which hold for every model) are left out:
 *       this version's routing did not choose them for review, so their probability is unknown.</li>
 *   <li>An accepted result that was not drawn for audit is in the set unlabelled, with the audit rate
 *       of its policy version (read from that version's audit samples) as its review probability:
 *       the error estimate needs it in the denominator. If that version shows no audit sample its
 *       rate is unknown and the result is left out (counted).</li>
 *   <li>A result sent to review and not reviewed yet is left out (counted): that is valid if which
 *       queue items get reviewed does not depend on whether the model was right.</li>
 *   <li>Results whose probabilities do not follow softmax(-error / T) (label priors) are left out
 *       (counted): their posterior cannot be recomputed at another temperature.</li>
 * </ul>
 */
public record ReviewEvidence(List<CalibrationItem> items, int scored, int reviewsRead, int rejected,
                             int otherModelReviews, int pendingReview, int acceptedWithoutAuditRate, int withPriors) {

    public int labelled() {
        return (int) items.stream().filter(CalibrationItem::labelled).count();
    }

    public static ReviewEvidence join(String modelId, String modelVersion, List<LabelPosterior> scoredRecords,
                                      List<ReviewedLabel> reviewedRecords) {
        Map<String, LabelPosterior> results = new LinkedHashMap<>();
        for (LabelPosterior p : scoredRecords) {
            if (p.getLabelSource() == LabelSource.MODEL && modelId.equals(p.getModelId())
                    && modelVersion.equals(p.getModelVersion())) {
                results.remove(p.getEventId()); // keep the newest, in its place in the order
                results.put(p.getEventId(), p);
            }
        }
        Map<String, ReviewedLabel> reviews = new HashMap<>();
        for (ReviewedLabel r : reviewedRecords) {
            reviews.put(r.getEventId(), r);
        }
        Map<String, Double> auditRates = new HashMap<>();
        for (LabelPosterior p : results.values()) {
            if (p.getAuditProbability() != null) {
                auditRates.put(p.getPolicyVersion(), p.getAuditProbability());
            }
        }
        List<CalibrationItem> items = new ArrayList<>();
        int rejected = 0;
        int other = 0;
        int pending = 0;
        int noRate = 0;
        int priors = 0;
        for (LabelPosterior p : results.values()) {
            ScoredResult result = toResult(p);
            if (!StagedSoftmax.consistent(result)) {
                priors++;
                continue;
            }
            ReviewedLabel r = reviews.get(p.getEventId());
            boolean dataset = r != null && r.getSource() == ReviewSource.DATASET;
            if (r != null && !dataset && !(modelId.equals(r.getModelId()) && modelVersion.equals(r.getModelVersion()))) {
                other++;
                r = null; // not evidence for this version; the result is treated as unreviewed
            }
            if (r != null && (r.getOutcome() == ReviewOutcome.REJECTED || r.getFinalLabel() == null)) {
                rejected++;
                continue;
            }
            if (r != null) {
                double probability = !dataset && p.getAuditProbability() != null ? p.getAuditProbability() : 1.0;
                items.add(new CalibrationItem(result, r.getFinalLabel(), probability));
            } else if (p.getDecision() == RoutingDecision.ACCEPTED) {
                Double rate = auditRates.get(p.getPolicyVersion());
                if (rate == null) {
                    noRate++;
                } else {
                    items.add(new CalibrationItem(result, null, rate));
                }
            } else {
                pending++;
            }
        }
        return new ReviewEvidence(items, results.size(), reviews.size(), rejected, other, pending, noRate, priors);
    }

    static ScoredResult toResult(LabelPosterior p) {
        List<LabelResult> labels = new ArrayList<>();
        for (LabelProbability l : p.getPosterior()) {
            labels.add(new LabelResult(l.getLabel(), l.getProbability(), l.getMeanError(), l.getSamples()));
        }
        return new ScoredResult(p.getEventId(), labels, p.getTemperature());
    }
}
