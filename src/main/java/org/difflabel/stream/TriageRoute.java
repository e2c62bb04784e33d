package org.difflabel.stream;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.RoutingDecision;
import org.difflabel.registry.AvroWireSerializer;

import java.nio.charset.StandardCharsets;

/** The champion's route: every result to {@code scored}, then to {@code accepted} or {@code review} by the policy. */
final class TriageRoute implements ResultRoute {
    private final LabelingTopics topics;
    private final AvroWireSerializer<LabelPosterior> posteriors;
    private final AvroWireSerializer<ReviewTask> reviews;
    private final LabelingMetrics metrics;
    private ProcessorContext<byte[], byte[]> context;

    TriageRoute(LabelingTopics topics, AvroWireSerializer<LabelPosterior> posteriors, AvroWireSerializer<ReviewTask> reviews,
                LabelingMetrics metrics) {
        this.topics = topics;
        this.posteriors = posteriors;
        this.reviews = reviews;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void route(Record<byte[], byte[]> input, LabelPosterior result, ReviewTaskFactory task) {
        byte[] key = result.getEventId().getBytes(StandardCharsets.UTF_8);
        context.forward(input.withKey(key).withValue(posteriors.serialize(topics.scored(), result)), LabelingTopology.SCORED);
        if (result.getDecision() == RoutingDecision.ACCEPTED) {
            metrics.routed("accepted");
            context.forward(input.withKey(key).withValue(posteriors.serialize(topics.accepted(), result)),
                    LabelingTopology.ACCEPTED);
        } else {
            metrics.routed("review");
            context.forward(input.withKey(key).withValue(reviews.serialize(topics.review(), task.build())),
                    LabelingTopology.REVIEW);
        }
    }

    @Override
    public String deadLetterTopic() {
        return topics.dlq();
    }
}
