package org.difflabel.stream;

import io.opentelemetry.api.OpenTelemetry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.images.ImageFetcher;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The labelling topologies: one source, optionally a filter (a re-score's window), the labelling
 * processor, and one sink per output. Records are read and written as bytes; the processor
 * decodes and encodes them (Confluent wire format), so that undecodable input reaches the
 * dead-letter queue with its original bytes, in the same transaction as everything else.
 */
public final class LabelingTopology {
    public static final String SOURCE = "images";
    public static final String FILTER = "window";
    public static final String PROCESSOR = "label";
    static final String SCORED = "scored";
    static final String ACCEPTED = "accepted";
    static final String REVIEW = "review";
    public static final String DLQ = "dlq";

    private LabelingTopology() {
    }

    /** The champion's topology: results to scored, then accepted or review by the policy. */
    public static Topology champion(LabelingTopics topics, Scorer scoring, FailurePolicy failures, TriagePolicy policy,
                                    RegistryClient registry, LabelingMetrics metrics) {
        ActivePolicy fixed = ActivePolicy.of(policy);
        return champion(topics, scoring, failures, () -> fixed, registry, metrics, ImageFetcher.none());
    }

    /** As above, reading images by reference with {@code images}. */
    public static Topology champion(LabelingTopics topics, Scorer scoring, FailurePolicy failures, TriagePolicy policy,
                                    RegistryClient registry, LabelingMetrics metrics, ImageFetcher images) {
        ActivePolicy fixed = ActivePolicy.of(policy);
        return champion(topics, scoring, failures, () -> fixed, registry, metrics, images);
    }

    /**
     * The champion's topology under a policy that may change between records (the live policy);
     * images by reference are read with {@code images}; not traced.
     */
    public static Topology champion(LabelingTopics topics, Scorer scoring, FailurePolicy failures,
                                    Supplier<ActivePolicy> policy, RegistryClient registry, LabelingMetrics metrics,
                                    ImageFetcher images) {
        return champion(topics, scoring, failures, policy, registry, metrics, images, OpenTelemetry.noop());
    }

    /** As above without images by reference, with a span per input record in {@code telemetry}. */
    public static Topology champion(LabelingTopics topics, Scorer scoring, FailurePolicy failures,
                                    Supplier<ActivePolicy> policy, RegistryClient registry, LabelingMetrics metrics,
                                    OpenTelemetry telemetry) {
        return champion(topics, scoring, failures, policy, registry, metrics, ImageFetcher.none(), telemetry);
    }

    /**
     * The champion's topology: images by reference read with {@code images}, a span per input record
     * in {@code telemetry} ({@link TracedProcessor}; no-op: not traced).
     */
    public static Topology champion(LabelingTopics topics, Scorer scoring, FailurePolicy failures,
                                    Supplier<ActivePolicy> policy, RegistryClient registry, LabelingMetrics metrics,
                                    ImageFetcher images, OpenTelemetry telemetry) {
        var route = (Supplier<ResultRoute>) () -> new TriageRoute(topics,
                AvroWireSerializer.forValues(registry, LabelPosterior.class),
                AvroWireSerializer.forValues(registry, ReviewTask.class), metrics);
        Map<String, String> sinks = new LinkedHashMap<>();
        sinks.put(SCORED, topics.scored());
        sinks.put(ACCEPTED, topics.accepted());
        sinks.put(REVIEW, topics.review());
        sinks.put(DLQ, topics.dlq());
        Topology t = new Topology();
        wire(t, topics.input(), null, TracedProcessor.around(
                processor(topics, scoring, failures, policy, registry, metrics, route, images), telemetry), sinks);
        return t;
    }

    /** The labelling processor of one task, with the route of its role. */
    public static ProcessorSupplier<byte[], byte[], byte[], byte[]> processor(LabelingTopics topics, Scorer scoring,
            FailurePolicy failures, Supplier<ActivePolicy> policy, RegistryClient registry, LabelingMetrics metrics,
            Supplier<ResultRoute> route, ImageFetcher images) {
        return () -> new LabelingProcessor(topics.input(), scoring, failures, policy,
                new AvroWireDeserializer<>(registry, ImageEvent.class), route.get(),
                AvroWireSerializer.forValues(registry, DeadLetter.class), metrics, images);
    }

    /**
     * Adds source -> [filter] -> processor -> sinks to {@code t}.
     *
     * @param filter null, or a processor between the source and the labelling processor
     * @param sinks  sink name -> topic
     */
    public static void wire(Topology t, String input, ProcessorSupplier<byte[], byte[], byte[], byte[]> filter,
                            ProcessorSupplier<byte[], byte[], byte[], byte[]> processor, Map<String, String> sinks) {
        t.addSource(SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), input);
        String parent = SOURCE;
        if (filter != null) {
            t.addProcessor(FILTER, filter, SOURCE);
            parent = FILTER;
        }
        t.addProcessor(PROCESSOR, processor, parent);
        sinks.forEach((name, topic) -> t.addSink(name, topic, Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), PROCESSOR));
    }
}
