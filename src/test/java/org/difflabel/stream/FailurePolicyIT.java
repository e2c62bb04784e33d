package org.difflabel.stream;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.Posterior;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.PipelineStage;
import org.difflabel.images.ImageFetchException;
import org.difflabel.images.ImageStoreUnavailableException;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.registry.RegistryUnavailableException;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The failure policy: a record that fails the same way every time is dead-lettered after the
 * configured attempts and the partition moves on; a record that fails once is retried and labelled;
 * an unreachable registry is never dead-lettered; bad priors have their own code; every classifier
 * code maps to a dead-letter code.
 */
class FailurePolicyIT {
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static LabelModel model;
    private static RegistryClient registry;
    private static byte[] image;

    @BeforeAll
    static void load() throws Exception {
        model = LabelModel.load(Path.of("onnx-models/mnist-ddpm"), ModelOptions.defaults().withIntraOpThreads(1));
        registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        try (var s = Files.list(Path.of("onnx-models/mnist-ddpm/samples"))) {
            image = Files.readAllBytes(s.sorted().findFirst().orElseThrow());
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The real model on a cheap schedule, with a failure injected for some event ids. */
    private static final class FlakyScorer implements Scorer {
        final Scoring real = new Scoring(model, org.difflabel.classifier.Stage.parse("4"), null);
        final Map<String, RuntimeException> failWith;
        final Map<String, Integer> failTimes;
        final Map<String, AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();

        FlakyScorer(Map<String, RuntimeException> failWith, Map<String, Integer> failTimes) {
            this.failWith = failWith;
            this.failTimes = failTimes;
        }

        @Override
        public Posterior classify(String id, byte[] image, List<String> labels, String promptTemplate) {
            int n = calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (failWith.containsKey(id) && n <= failTimes.getOrDefault(id, Integer.MAX_VALUE)) {
                throw failWith.get(id);
            }
            return real.classify(id, image, labels, promptTemplate);
        }

        @Override
        public String modelId() {
            return real.modelId();
        }

        @Override
        public String modelVersion() {
            return real.modelVersion();
        }
    }

    private record Run(TopologyTestDriver driver, TestInputTopic<byte[], byte[]> input, LabelingTopics topics) {
        <T extends org.apache.avro.specific.SpecificRecord> List<T> read(String topic, Class<T> type) {
            var d = new AvroWireDeserializer<>(registry, type);
            List<T> out = new ArrayList<>();
            driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer()).readValuesToList()
                    .forEach(v -> out.add(d.deserialize(topic, v)));
            return out;
        }

        void send(String id, Map<String, Double> priors) {
            ImageEvent e = ImageEvent.newBuilder().setEventId(id).setImage(ByteBuffer.wrap(image)).setContentType("image/png")
                    .setLabels(DIGITS).setPromptTemplate(null).setLabelPriors(priors).setMetadata(Map.of())
                    .setProducedAt(Instant.now()).build();
            input.pipeInput(id.getBytes(), AvroWireSerializer.forValues(registry, ImageEvent.class).serialize(topics.input(), e));
        }
    }

    private static Run start(Scorer scorer, int maxAttempts) {
        LabelingTopics topics = LabelingTopics.DEFAULTS.prefixed(UUID.randomUUID().toString().substring(0, 8) + ".");
        var topology = LabelingTopology.champion(topics, scorer, new FailurePolicy(maxAttempts),
                new TriagePolicy("1", new TriagePolicy.Thresholds(0, 0, null), Map.of()), registry, LabelingMetrics.none());
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "failure-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        TopologyTestDriver driver = new TopologyTestDriver(topology, p);
        return new Run(driver, driver.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer()),
                topics);
    }

    @Test
    void aRecordThatAlwaysFailsIsDeadLetteredAfterItsAttemptsAndThePartitionMovesOn() {
        FlakyScorer scorer = new FlakyScorer(Map.of("always", new IllegalStateException("native error on this image")),
                Map.of());
        Run run = start(scorer, 3);
        try {
            run.send("always", null);
            run.send("after", null);
            List<DeadLetter> dead = run.read(run.topics().dlq(), DeadLetter.class);
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).getEventId()).isEqualTo("always");
            assertThat(dead.get(0).getErrorCode()).isEqualTo(ErrorCode.INTERNAL_ERROR);
            assertThat(dead.get(0).getMessage()).startsWith("failed 3 times: java.lang.IllegalStateException: native error"
                    + " on this image");
            assertThat(scorer.calls.get("always")).hasValue(3);
            assertThat(run.read(run.topics().scored(), LabelPosterior.class)).extracting(LabelPosterior::getEventId)
                    .containsExactly("after");
        } finally {
            run.driver().close();
        }
    }

    @Test
    void logLinesOfARecordCarryItsCoordinatesAsJsonFields() throws Exception {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(LabelingProcessor.class.getName());
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r instanceof org.jboss.logmanager.ExtLogRecord e) {
                    e.copyMdc(); // the MDC of the thread that logged, as the console handler sees it
                }
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        Run run = start(new FlakyScorer(Map.of("bad", new IllegalStateException("native error")), Map.of()), 1);
        try {
            run.send("bad", null);
        } finally {
            logger.removeHandler(capture);
            run.driver().close();
        }
        var deadLetter = records.stream().filter(r -> String.valueOf(r.getMessage()).startsWith("dead letter"))
                .map(r -> (org.jboss.logmanager.ExtLogRecord) r).findFirst().orElseThrow();
        // formatted as the JSON console handler formats it (QUARKUS_LOG_CONSOLE_JSON_ENABLED=true)
        String json = new org.jboss.logmanager.formatters.JsonFormatter().format(deadLetter);
        var mdc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("mdc");
        assertThat(mdc.get("eventId").asText()).isEqualTo("bad");
        assertThat(mdc.get("topic").asText()).isEqualTo(run.topics().input());
        assertThat(mdc.get("partition").asText()).isEqualTo("0");
        assertThat(mdc.get("offset").asText()).isEqualTo("0");
        assertThat(mdc.get("modelId").asText()).isEqualTo("mnist-ddpm");
        assertThat(mdc.get("modelVersion").asText()).isEqualTo("1.0.0");
        assertThat(mdc.get("policyVersion").asText()).isEqualTo("1");
        assertThat(json).as("no vocabulary in a log line").doesNotContain("\"0\", \"1\", \"2\"")
                .doesNotContain("[0, 1, 2, 3");
        assertThat(org.jboss.logging.MDC.getMap()).as("cleared after the record").isEmpty();
    }

    @Test
    void aRecordThatFailsOnceIsRetriedAndLabelled() {
        FlakyScorer scorer = new FlakyScorer(Map.of("once", new IllegalStateException("blip")), Map.of("once", 1));
        Run run = start(scorer, 3);
        try {
            run.send("once", null);
            assertThat(run.read(run.topics().dlq(), DeadLetter.class)).isEmpty();
            assertThat(run.read(run.topics().scored(), LabelPosterior.class)).extracting(LabelPosterior::getEventId)
                    .containsExactly("once");
            assertThat(scorer.calls.get("once")).hasValue(2);
        } finally {
            run.driver().close();
        }
    }

    @Test
    void anUnreachableRegistryIsRetriedNeverDeadLettered() {
        FlakyScorer scorer = new FlakyScorer(Map.of("down",
                new RegistryUnavailableException("registry unreachable", new java.net.ConnectException("refused"))), Map.of());
        Run run = start(scorer, 3);
        try {
            assertThatThrownBy(() -> run.send("down", null)).isInstanceOf(StreamsException.class)
                    .hasRootCauseInstanceOf(java.net.ConnectException.class);
            assertThat(scorer.calls.get("down")).as("not retried inside the record").hasValue(1);
            assertThat(run.read(run.topics().dlq(), DeadLetter.class)).isEmpty();
        } finally {
            run.driver().close();
        }
    }

    @Test
    void badPriorsHaveTheirOwnCode() {
        Run run = start(new FlakyScorer(Map.of(), Map.of()), 3);
        try {
            run.send("negative", Map.of("3", -1.0));
            List<DeadLetter> dead = run.read(run.topics().dlq(), DeadLetter.class);
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).getErrorCode()).isEqualTo(ErrorCode.BAD_PRIORS);
            assertThat(dead.get(0).getStage()).isEqualTo(PipelineStage.VALIDATE);
        } finally {
            run.driver().close();
        }
    }

    @Test
    void everyClassifierCodeHasADeadLetterCodeAndAStage() {
        Set<ErrorCode> mapped = EnumSet.noneOf(ErrorCode.class);
        for (ClassificationException.Code c : ClassificationException.Code.values()) {
            ErrorCode e = DeadLetters.code(c);
            assertThat(e.name()).as("same name as the classifier's code").isEqualTo(c.name());
            assertThat(DeadLetters.stage(c)).isIn(PipelineStage.VALIDATE, PipelineStage.PREPROCESS, PipelineStage.INFERENCE);
            mapped.add(e);
        }
        assertThat(mapped).hasSize(ClassificationException.Code.values().length);
        for (ImageFetchException.Code c : ImageFetchException.Code.values()) {
            ErrorCode e = DeadLetters.code(c);
            assertThat(e.name()).as("same name as the fetcher's code").isEqualTo(c.name());
            assertThat(DeadLetters.stage(c)).isEqualTo(c == ImageFetchException.Code.IMAGE_REF_AND_BYTES
                    ? PipelineStage.VALIDATE : PipelineStage.FETCH);
            assertThat(mapped.add(e)).as("one code per refusal: %s", c).isTrue();
        }
        assertThat(mapped).hasSize(ClassificationException.Code.values().length + ImageFetchException.Code.values().length);
        Set<String> rest = EnumSet.complementOf(EnumSet.copyOf(mapped)).stream().map(Enum::name).collect(Collectors.toSet());
        assertThat(rest).as("the codes of the transport and the failure policy")
                .containsExactlyInAnyOrder("DESERIALIZATION_FAILED", "WRONG_MAGIC_BYTE", "UNKNOWN_SCHEMA_ID", "CORRUPT_AVRO",
                        "INTERNAL_ERROR");
    }

    @Test
    void failuresAreClassifiedByType() {
        assertThat(FailurePolicy.isTransient(new RegistryUnavailableException("x", null))).isTrue();
        assertThat(FailurePolicy.isTransient(new ImageStoreUnavailableException("503", null))).isTrue();
        assertThat(FailurePolicy.isTransient(new ImageFetchException(ImageFetchException.Code.IMAGE_REF_NOT_FOUND, "404")))
                .isFalse();
        assertThat(FailurePolicy.isTransient(new org.apache.kafka.common.errors.TimeoutException("x"))).isTrue();
        assertThat(FailurePolicy.isTransient(new RuntimeException(new java.net.SocketTimeoutException()))).isTrue();
        assertThat(FailurePolicy.isTransient(new IllegalArgumentException("bug"))).isFalse();
        assertThat(FailurePolicy.isTransient(new NullPointerException())).isFalse();
    }
}
