package org.difflabel.stream;

/**
 * The topics one worker reads and writes. Every output of an input record goes to these, inside
 * the transaction that commits the input's offset.
 *
 * @param input    {@code ImageEvent}s to label
 * @param scored   every result ({@code LabelPosterior})
 * @param accepted results the policy accepts ({@code LabelPosterior})
 * @param review   results for a person ({@code ReviewTask})
 * @param dlq      input that cannot be labelled ({@code DeadLetter}, with the original bytes)
 */
public record LabelingTopics(String input, String scored, String accepted, String review, String dlq) {
    public static final LabelingTopics DEFAULTS = new LabelingTopics("images.requested", "labels.scored",
            "labels.accepted", "labels.review", "images.requested.dlq");
}
