package org.difflabel.stream;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.difflabel.contracts.LabelPosterior;

/**
 * Where a result goes, by {@link Role}: the champion routes by the triage policy, a challenger
 * writes its result and the comparison with the champion. Everything is forwarded through the
 * processor's context, so it commits in the input record's transaction.
 */
public interface ResultRoute {

    /** Called once per task, with the context the outputs are forwarded through. */
    void init(ProcessorContext<byte[], byte[]> context);

    /**
     * @param input  the input record (its timestamp and headers are kept on the outputs)
     * @param result the posterior, with the policy's decision on it
     * @param task   builds the review task for this result (the champion only needs it)
     */
    void route(Record<byte[], byte[]> input, LabelPosterior result, ReviewTaskFactory task);

    /**
     * The timestamp of this role's outputs for {@code input}: the champion keeps the input's; a
     * replay of old records stamps the time it ran, or time-based retention on its output topics
     * would delete its results as soon as they were written.
     */
    default long timestamp(Record<byte[], byte[]> input) {
        return input.timestamp();
    }

    /** Topic the dead letters of this role go to (sink {@link LabelingTopology#DLQ}). */
    String deadLetterTopic();

    /** The review task for a result, built only when a result goes to review. */
    interface ReviewTaskFactory {
        org.difflabel.contracts.ReviewTask build();
    }
}
