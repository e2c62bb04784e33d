package org.difflabel.stream;

import java.util.List;

/**
 * The topics of the labelling pipeline. Every output of an input record goes to these, inside
 * the transaction that commits the input's offset.
 *
 * @param input       {@code ImageEvent}s to label
 * @param scored      every champion result ({@code LabelPosterior})
 * @param accepted    champion results the policy accepts ({@code LabelPosterior})
 * @param review      champion results for a person ({@code ReviewTask})
 * @param dlq         input the champion cannot label ({@code DeadLetter}, with the original bytes)
 * @param rescored    every challenger / re-score result ({@code LabelPosterior})
 * @param rescoredDlq input a challenger cannot label ({@code DeadLetter}): kept apart so a replay never
 *                    adds to what operators see on the champion's dead-letter queue
 * @param diff        challenger vs champion ({@code LabelComparison})
 * @param reviewed    human labels ({@code ReviewedLabel}), read by the comparisons
 * @param policy      the live triage policy ({@code TriagePolicySpec}, compacted), read by every worker
 */
public record LabelingTopics(String input, String scored, String accepted, String review, String dlq,
                             String rescored, String rescoredDlq, String diff, String reviewed, String policy) {
    public static final LabelingTopics DEFAULTS = new LabelingTopics("images.requested", "labels.scored",
            "labels.accepted", "labels.review", "images.requested.dlq", "labels.rescored", "labels.rescored.dlq",
            "labels.diff", "labels.reviewed", "labeler.policy");

    /** The same topics with {@code prefix} before every name (benchmarks and tests that share a broker). */
    public LabelingTopics prefixed(String prefix) {
        return new LabelingTopics(prefix + input, prefix + scored, prefix + accepted, prefix + review, prefix + dlq,
                prefix + rescored, prefix + rescoredDlq, prefix + diff, prefix + reviewed, prefix + policy);
    }

    public LabelingTopics withInput(String topic) {
        return new LabelingTopics(topic, scored, accepted, review, dlq, rescored, rescoredDlq, diff, reviewed, policy);
    }

    public LabelingTopics withRescored(String topic) {
        return new LabelingTopics(input, scored, accepted, review, dlq, topic, rescoredDlq, diff, reviewed, policy);
    }

    public LabelingTopics withDiff(String topic) {
        return new LabelingTopics(input, scored, accepted, review, dlq, rescored, rescoredDlq, topic, reviewed, policy);
    }

    /** Every topic a deployment of both roles uses. */
    public List<String> all() {
        return List.of(input, scored, accepted, review, dlq, rescored, rescoredDlq, diff, reviewed, policy);
    }

    /** Where a run in {@code role} writes. */
    public List<String> outputs(Role role) {
        return role == Role.CHAMPION ? List.of(scored, accepted, review, dlq) : List.of(rescored, rescoredDlq, diff);
    }
}
