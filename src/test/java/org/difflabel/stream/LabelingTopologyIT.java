package org.difflabel.stream;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.PipelineStage;
import org.difflabel.contracts.ReviewReason;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.RoutingDecision;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topology alone (TopologyTestDriver), with the real shipped model and a real schema
 * registry: routing by the policy, per-label overrides, and every dead-letter code, each poison
 * record followed by a good one that is still labelled.
 */
class LabelingTopologyIT {
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final TriagePolicy.Thresholds ACCEPT_ALL = new TriagePolicy.Thresholds(0.0, 0.0, null);
    private static LabelModel model;
    private static RegistryClient registry;
    private static byte[] seven;

    private LabelingTopics topics;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private AvroWireSerializer<ImageEvent> events;
    private io.micrometer.core.instrument.simple.SimpleMeterRegistry meters;

    @BeforeAll
    static void loadModelAndRegistry() throws Exception {
        model = LabelModel.load(Path.of("onnx-models/mnist-ddpm"), ModelOptions.defaults().withBatchSize(128));
        registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        try (var s = Files.list(Path.of("onnx-models/mnist-ddpm/samples"))) {
            seven = Files.readAllBytes(s.filter(p -> p.getFileName().toString().startsWith("digit-7-")).findFirst()
                    .orElseThrow());
        }
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    private void start(TriagePolicy policy) {
        meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        String suffix = UUID.randomUUID().toString().substring(0, 8); // fresh subjects per test
        topics = LabelingTopics.DEFAULTS.prefixed(suffix + ".");
        var topology = LabelingTopology.champion(topics, Scoring.defaults(model), new FailurePolicy(3), policy, registry,
                new LabelingMetrics(meters));
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(topology, p);
        input = driver.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer());
        events = AvroWireSerializer.forValues(registry, ImageEvent.class);
    }

    private byte[] event(String id, byte[] image, List<String> labels) {
        return events.serialize(topics.input(), ImageEvent.newBuilder().setEventId(id).setImage(ByteBuffer.wrap(image))
                .setContentType("image/png").setLabels(labels).setPromptTemplate(null).setLabelPriors(null)
                .setMetadata(Map.of("source", "test")).setProducedAt(Instant.ofEpochMilli(1_700_000_000_000L)).build());
    }

    private <T extends org.apache.avro.specific.SpecificRecord> List<T> read(String topic, Class<T> type) {
        TestOutputTopic<byte[], byte[]> t = driver.createOutputTopic(topic, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        AvroWireDeserializer<T> d = new AvroWireDeserializer<>(registry, type);
        return t.readValuesToList().stream().map(v -> d.deserialize(topic, v)).toList();
    }

    @Test
    void resultPassingThePolicyIsScoredAndAccepted() {
        start(new TriagePolicy("p1", ACCEPT_ALL, Map.of()));
        input.pipeInput("k".getBytes(), event("e-1", seven, DIGITS));

        List<LabelPosterior> scored = read(topics.scored(), LabelPosterior.class);
        assertThat(scored).hasSize(1);
        LabelPosterior r = scored.get(0);
        assertThat(r.getEventId()).isEqualTo("e-1");
        assertThat(r.getTopLabel()).isEqualTo("7");
        assertThat(r.getPosterior()).hasSize(10);
        assertThat(r.getDecision()).isEqualTo(RoutingDecision.ACCEPTED);
        assertThat(r.getPolicyVersion()).isEqualTo("p1");
        assertThat(r.getModelId()).isEqualTo("mnist-ddpm");
        assertThat(r.getMetadata()).containsEntry("source", "test");
        assertThat(r.getLineage().getTopic()).isEqualTo(topics.input());
        assertThat(r.getLineage().getOffset()).isZero();
        assertThat(read(topics.accepted(), LabelPosterior.class)).containsExactly(r);
        assertThat(read(topics.review(), ReviewTask.class)).isEmpty();
        assertThat(read(topics.dlq(), DeadLetter.class)).isEmpty();
    }

    @Test
    void uncertainResultGoesToReviewWithReasonsAndPriority() {
        // nothing is confident enough for this policy
        start(new TriagePolicy("strict", new TriagePolicy.Thresholds(1.0, 1.0, 0.0), Map.of()));
        input.pipeInput("k".getBytes(), event("e-2", seven, DIGITS));

        LabelPosterior r = read(topics.scored(), LabelPosterior.class).get(0);
        assertThat(r.getDecision()).isEqualTo(RoutingDecision.REVIEW);
        List<ReviewTask> review = read(topics.review(), ReviewTask.class);
        assertThat(review).hasSize(1);
        ReviewTask t = review.get(0);
        assertThat(t.getReasons()).contains(ReviewReason.LOW_CONFIDENCE, ReviewReason.LOW_MARGIN, ReviewReason.HIGH_ENTROPY);
        assertThat(t.getPriority()).isEqualTo((int) Math.round(1000 * (1 - r.getMargin())));
        assertThat(t.getImage().array()).isEqualTo(seven);
        assertThat(t.getCandidates()).isEqualTo(r.getPosterior());
        assertThat(read(topics.accepted(), LabelPosterior.class)).isEmpty();
    }

    @Test
    void anAuditSampleOfAnAcceptableResultGoesToReviewNotToAccepted() {
        start(new TriagePolicy("audit", ACCEPT_ALL, Map.of(), 1.0));
        input.pipeInput("k".getBytes(), event("e-audit", seven, DIGITS));
        LabelPosterior r = read(topics.scored(), LabelPosterior.class).get(0);
        assertThat(r.getDecision()).isEqualTo(RoutingDecision.REVIEW);
        assertThat(r.getAuditProbability()).isEqualTo(1.0);
        ReviewTask t = read(topics.review(), ReviewTask.class).get(0);
        assertThat(t.getReasons()).containsExactly(ReviewReason.AUDIT_SAMPLE);
        assertThat(t.getAuditProbability()).isEqualTo(1.0);
        assertThat(read(topics.accepted(), LabelPosterior.class)).as("stays out until reviewed").isEmpty();
    }

    @Test
    void perLabelOverrideSendsThatLabelToReview() {
        start(new TriagePolicy("p2", ACCEPT_ALL, Map.of("7", new TriagePolicy.Thresholds(1.0, 1.0, null))));
        input.pipeInput("k".getBytes(), event("e-3", seven, DIGITS));
        ReviewTask t = read(topics.review(), ReviewTask.class).get(0);
        assertThat(t.getReasons()).contains(ReviewReason.LABEL_RULE);
        assertThat(t.getDecisionReason()).contains("label '7' thresholds");
    }

    @Test
    void everyPoisonRecordReachesTheDeadLetterQueueWithItsCode() {
        start(new TriagePolicy("p3", ACCEPT_ALL, Map.of()));
        byte[] good = event("good", seven, DIGITS);
        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 7;
        byte[] unknownId = good.clone();
        ByteBuffer.wrap(unknownId).putInt(1, 987_654);
        byte[] corrupt = Arrays.copyOf(good, 12);
        byte[] truncatedPng = Arrays.copyOf(seven, seven.length / 2);
        List<String> many = java.util.stream.IntStream.range(0, 1001).mapToObj(Integer::toString).toList();
        Object[][] poison = {
            {wrongMagic, ErrorCode.WRONG_MAGIC_BYTE, PipelineStage.DESERIALIZE},
            {unknownId, ErrorCode.UNKNOWN_SCHEMA_ID, PipelineStage.DESERIALIZE},
            {corrupt, ErrorCode.CORRUPT_AVRO, PipelineStage.DESERIALIZE},
            {event("empty", seven, List.of()), ErrorCode.EMPTY_VOCABULARY, PipelineStage.VALIDATE},
            {event("dup", seven, List.of("1", "1")), ErrorCode.DUPLICATE_LABEL, PipelineStage.VALIDATE},
            {event("many", seven, many), ErrorCode.VOCABULARY_TOO_LARGE, PipelineStage.VALIDATE},
            {event("cat", seven, List.of("1", "cat")), ErrorCode.UNKNOWN_LABEL, PipelineStage.VALIDATE},
            {event("png", truncatedPng, DIGITS), ErrorCode.CORRUPT_IMAGE, PipelineStage.PREPROCESS},
            {event("gif", "GIF89a-not-an-image".getBytes(), DIGITS), ErrorCode.UNSUPPORTED_IMAGE_FORMAT,
                PipelineStage.PREPROCESS},
        };
        for (Object[] p : poison) {
            input.pipeInput("poison".getBytes(), (byte[]) p[0]);
            input.pipeInput("good".getBytes(), good); // the worker keeps going
        }

        List<DeadLetter> dead = read(topics.dlq(), DeadLetter.class);
        assertThat(dead).hasSize(poison.length);
        for (int i = 0; i < poison.length; i++) {
            DeadLetter d = dead.get(i);
            assertThat(d.getErrorCode()).as("record %d", i).isEqualTo(poison[i][1]);
            assertThat(d.getStage()).as("record %d", i).isEqualTo(poison[i][2]);
            assertThat(d.getValue().array()).as("original bytes of record %d", i).isEqualTo((byte[]) poison[i][0]);
            assertThat(d.getKey().array()).isEqualTo("poison".getBytes());
            assertThat(d.getSource().getOffset()).isEqualTo(2L * i);
            assertThat(d.getMessage()).isNotBlank();
        }
        assertThat(read(topics.scored(), LabelPosterior.class)).hasSize(poison.length)
                .allSatisfy(r -> assertThat(r.getEventId()).isEqualTo("good"));
        // metrics: one dead-letter count per code, every good event scored and routed
        assertThat(meters.get("labeler.events.dead_lettered").tag("code", "WRONG_MAGIC_BYTE").counter().count()).isEqualTo(1);
        // every code has a counter from the start; the poison moved exactly one per record
        assertThat(meters.get("labeler.events.dead_lettered").counters().stream().filter(c -> c.count() > 0))
                .hasSize(poison.length).allSatisfy(c -> assertThat(c.count()).isEqualTo(1.0));
        assertThat(meters.get("labeler.events.scored").counter().count()).isEqualTo(poison.length);
        assertThat(meters.get("labeler.events.routed").tag("destination", "accepted").counter().count())
                .isEqualTo(poison.length);
        assertThat(meters.get("labeler.classification.latency").timer().count()).isEqualTo(poison.length);
    }
}
