package org.difflabel.stream;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;

/**
 * The worker's topology: one source, the labelling processor, four sinks. Records are read and
 * written as bytes; the processor decodes and encodes them (Confluent wire format), so that
 * undecodable input reaches the dead-letter queue with its original bytes, in the same
 * transaction as everything else.
 */
public final class LabelingTopology {
    static final String SOURCE = "images";
    static final String PROCESSOR = "label";
    static final String SCORED = "scored";
    static final String ACCEPTED = "accepted";
    static final String REVIEW = "review";
    static final String DLQ = "dlq";

    private LabelingTopology() {
    }

    /** The worker's topology: the labelling processor over {@code model}, contracts through {@code registry}. */
    public static Topology build(LabelingTopics topics, LabelModel model, TriagePolicy policy, RegistryClient registry,
                                 LabelingMetrics metrics) {
        var outs = new LabelingProcessor.Outputs(AvroWireSerializer.forValues(registry, LabelPosterior.class),
                AvroWireSerializer.forValues(registry, ReviewTask.class),
                AvroWireSerializer.forValues(registry, DeadLetter.class));
        return build(topics, () -> new LabelingProcessor(topics, model, policy,
                new AvroWireDeserializer<>(registry, ImageEvent.class), outs, metrics));
    }

    public static Topology build(LabelingTopics topics,
                                 ProcessorSupplier<byte[], byte[], byte[], byte[]> processor) {
        Topology t = new Topology();
        t.addSource(SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), topics.input());
        t.addProcessor(PROCESSOR, processor, SOURCE);
        t.addSink(SCORED, topics.scored(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        t.addSink(ACCEPTED, topics.accepted(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        t.addSink(REVIEW, topics.review(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        t.addSink(DLQ, topics.dlq(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        return t;
    }
}
