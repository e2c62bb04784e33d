package org.difflabel.worker;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.SampleEvents;
import org.difflabel.testsupport.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A span per event, from consume to the outputs, in the trace the producer started: the worker's
 * topology (from the one assembly) driven by a TopologyTestDriver, its spans in an in-memory exporter.
 */
class LabelingTracesIT {
    private static final String PRODUCER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PRODUCER_SPAN = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + PRODUCER_TRACE + "-" + PRODUCER_SPAN + "-01";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private SdkTracerProvider tracerProvider;
    private OpenTelemetry telemetry;
    private final RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
    private final LabelingTopics topics = LabelingTopics.DEFAULTS.prefixed(UUID.randomUUID().toString().substring(0, 8) + ".");

    @BeforeEach
    void tracer() {
        tracerProvider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
        telemetry = OpenTelemetrySdk.builder().setTracerProvider(tracerProvider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    }

    @AfterEach
    void close() {
        tracerProvider.close();
    }

    @Test
    void eachEventIsOneSpanInTheProducersTraceAndEveryOutputCarriesIt() throws Exception {
        Outputs out = run(telemetry, Map.of(), List.of(
                event("traced", TRACEPARENT), event("untraced", null), corrupt("corrupt", TRACEPARENT)));

        List<SpanData> finished = spans.getFinishedSpanItems();
        assertThat(finished).hasSize(3); // one per input record, none for anything else

        // the producer's trace continues: parent = the span the input's traceparent names
        SpanData traced = spanOf(finished, "traced");
        assertThat(traced.getTraceId()).isEqualTo(PRODUCER_TRACE);
        assertThat(traced.getParentSpanId()).isEqualTo(PRODUCER_SPAN);
        assertThat(traced.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(traced.getName()).isEqualTo("process " + topics.input());
        LabelPosterior result = posterior(out.scored, "traced");
        assertThat(traced.getAttributes().asMap()).containsOnlyKeys(
                key("messaging.system"), key("messaging.operation.type"), key("messaging.destination.name"),
                key("messaging.consumer.group.name"), key("messaging.destination.partition.id"),
                AttributeKey.longKey("messaging.kafka.offset"), key("labeler.event.id"), key("labeler.model.id"),
                key("labeler.model.version"), key("labeler.policy.version"), key("labeler.decision"));
        assertThat(traced.getAttributes().get(key("labeler.event.id"))).isEqualTo("traced");
        assertThat(traced.getAttributes().get(key("messaging.destination.name"))).isEqualTo(topics.input());
        assertThat(traced.getAttributes().get(key("messaging.destination.partition.id"))).isEqualTo("0");
        assertThat(traced.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset"))).isEqualTo(0L);
        assertThat(traced.getAttributes().get(key("labeler.model.id"))).isEqualTo("mnist-ddpm");
        assertThat(traced.getAttributes().get(key("labeler.model.version"))).isEqualTo("1.0.0");
        assertThat(traced.getAttributes().get(key("labeler.policy.version"))).isEqualTo("1");
        assertThat(traced.getAttributes().get(key("labeler.decision"))).isEqualTo(result.getDecision().name());

        // every output of the event (scored, then accepted or review) names that span as its parent
        String tracedParent = "00-" + PRODUCER_TRACE + "-" + traced.getSpanId() + "-01";
        List<TestRecord<byte[], byte[]>> tracedOutputs = outputsOf(out, "traced");
        assertThat(tracedOutputs).hasSize(2);
        tracedOutputs.forEach(r -> assertThat(traceparents(r)).containsExactly(tracedParent));

        // no traceparent on the input: a trace starts here, and the outputs continue it
        SpanData untraced = spanOf(finished, "untraced");
        assertThat(untraced.getParentSpanContext().isValid()).isFalse();
        assertThat(untraced.getTraceId()).isNotEqualTo(PRODUCER_TRACE);
        assertThat(untraced.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset"))).isEqualTo(1L);
        List<TestRecord<byte[], byte[]>> untracedOutputs = outputsOf(out, "untraced");
        assertThat(untracedOutputs).hasSize(2);
        untracedOutputs.forEach(r -> assertThat(traceparents(r))
                .containsExactly("00-" + untraced.getTraceId() + "-" + untraced.getSpanId() + "-01"));

        // a dead letter is traced too: its span says so, and the dead letter carries the span's context
        SpanData dead = finished.stream().filter(s -> "DEAD_LETTER".equals(s.getAttributes().get(key("labeler.decision"))))
                .findFirst().orElseThrow();
        assertThat(dead.getParentSpanId()).isEqualTo(PRODUCER_SPAN);
        assertThat(dead.getAttributes().get(key("labeler.dead_letter.code"))).isEqualTo("DESERIALIZATION_FAILED");
        assertThat(out.dlq).hasSize(1);
        assertThat(traceparents(out.dlq.get(0))).containsExactly("00-" + PRODUCER_TRACE + "-" + dead.getSpanId() + "-01");
    }

    @Test
    void aResultSentToReviewCarriesItsSpanToo() throws Exception {
        // every result the thresholds accept goes to review as an audit sample
        Outputs out = run(telemetry, Map.of("labeler.policy.audit-rate", "1"), List.of(event("audited", TRACEPARENT)));

        SpanData span = spanOf(spans.getFinishedSpanItems(), "audited");
        assertThat(spans.getFinishedSpanItems()).hasSize(1);
        assertThat(span.getParentSpanId()).isEqualTo(PRODUCER_SPAN);
        assertThat(span.getAttributes().get(key("labeler.decision"))).isEqualTo("REVIEW");
        assertThat(out.review).hasSize(1);
        assertThat(out.accepted).isEmpty();
        String parent = "00-" + PRODUCER_TRACE + "-" + span.getSpanId() + "-01";
        assertThat(traceparents(out.review.get(0))).containsExactly(parent);
        assertThat(traceparents(out.scored.get(0))).containsExactly(parent);
    }

    @Test
    void untracedTheProducersTraceparentPassesThroughUnchanged() throws Exception {
        Outputs out = run(OpenTelemetry.noop(), Map.of(), List.of(event("traced", TRACEPARENT)));

        assertThat(out.scored).hasSize(1);
        assertThat(traceparents(out.scored.get(0))).containsExactly(TRACEPARENT);
        assertThat(out.accepted.size() + out.review.size()).isEqualTo(1);
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    private record Outputs(List<TestRecord<byte[], byte[]>> scored, List<TestRecord<byte[], byte[]>> accepted,
                           List<TestRecord<byte[], byte[]>> review, List<TestRecord<byte[], byte[]>> dlq) {
    }

    private Outputs run(OpenTelemetry tracing, Map<String, String> settings, List<TestRecord<byte[], byte[]>> inputs) {
        // a flat 4 samples per label: the trace, not the label, is under test
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("labeler.model.stages", "4");
        LabelerConfig config = TestConfig.labeler(all);
        try (LabelModel m = LabelModel.load(Path.of(config.model().path()), config.modelOptions(1))) {
            LabelingAssembly assembly = LabelingAssembly.of(config, m, "unused:9092", registry).withTopics(topics)
                    .withTracing(tracing);
            Properties p = new Properties();
            p.putAll(assembly.settings().toProperties());
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
            try (TopologyTestDriver driver = new TopologyTestDriver(assembly.topology(LabelingMetrics.none()), p)) {
                var input = driver.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer());
                inputs.forEach(input::pipeInput);
                return new Outputs(read(driver, topics.scored()), read(driver, topics.accepted()),
                        read(driver, topics.review()), read(driver, topics.dlq()));
            }
        }
    }

    private static List<TestRecord<byte[], byte[]>> read(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer()).readRecordsToList();
    }

    private TestRecord<byte[], byte[]> event(String id, String traceparent) {
        ImageEvent e = ImageEvent.newBuilder().setEventId(id).setImage(ByteBuffer.wrap(SampleEvents.images().get(0)))
                .setContentType("image/png").setLabels(SampleEvents.DIGITS).setPromptTemplate(null).setLabelPriors(null)
                .setMetadata(Map.of()).setProducedAt(Instant.now()).build();
        return record(id, AvroWireSerializer.forValues(registry, ImageEvent.class).serialize(topics.input(), e), traceparent);
    }

    private static TestRecord<byte[], byte[]> corrupt(String id, String traceparent) {
        return record(id, new byte[]{42, 1, 2, 3}, traceparent);
    }

    private static TestRecord<byte[], byte[]> record(String id, byte[] value, String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        if (traceparent != null) {
            headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        }
        return new TestRecord<>(id.getBytes(StandardCharsets.UTF_8), value, headers, Instant.now());
    }

    private static SpanData spanOf(List<SpanData> spans, String eventId) {
        return spans.stream().filter(s -> eventId.equals(s.getAttributes().get(key("labeler.event.id"))))
                .findFirst().orElseThrow(() -> new AssertionError("no span of event " + eventId + " in " + spans));
    }

    private LabelPosterior posterior(List<TestRecord<byte[], byte[]>> scored, String eventId) {
        var reader = new AvroWireDeserializer<>(registry, LabelPosterior.class);
        return scored.stream().map(r -> reader.deserialize(topics.scored(), r.value()))
                .filter(p -> p.getEventId().equals(eventId)).findFirst().orElseThrow();
    }

    /** The outputs keyed by {@code eventId} on scored, accepted and review. */
    private static List<TestRecord<byte[], byte[]>> outputsOf(Outputs out, String eventId) {
        List<TestRecord<byte[], byte[]>> all = new ArrayList<>(out.scored);
        all.addAll(out.accepted);
        all.addAll(out.review);
        return all.stream().filter(r -> eventId.equals(new String(r.key(), StandardCharsets.UTF_8))).toList();
    }

    private static List<String> traceparents(TestRecord<byte[], byte[]> r) {
        return StreamSupport.stream(r.headers().headers("traceparent").spliterator(), false)
                .map(Header::value).map(v -> new String(v, StandardCharsets.UTF_8)).toList();
    }

    private static AttributeKey<String> key(String name) {
        return AttributeKey.stringKey(name);
    }
}
