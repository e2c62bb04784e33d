package org.difflabel.soak;

import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.difflabel.classifier.Budget;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.Lineage;
import org.difflabel.images.FetchSettings;
import org.difflabel.images.ImageFetcher;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.registry.UnknownSchemaIdException;
import org.difflabel.stream.FailurePolicy;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.LabelingTopology;
import org.difflabel.stream.Scoring;
import org.difflabel.stream.TriagePolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each kind of poison, fed to the worker's own topology (no broker: a TopologyTestDriver, a
 * registry in memory), gets the outcome the soak expects of it: a dead letter with its code, or
 * a posterior.
 */
class PoisonTest {
    private static final Path MNIST = Path.of("onnx-models/mnist-ddpm");
    private static final LabelingTopics TOPICS = LabelingTopics.DEFAULTS;

    private static LabelModel model;
    private static TopologyTestDriver driver;
    private static TestInputTopic<byte[], byte[]> input;
    private static TestOutputTopic<byte[], byte[]> scored;
    private static TestOutputTopic<byte[], byte[]> dlq;
    private static SoakInputs inputs;
    private static final MemoryRegistry REGISTRY = new MemoryRegistry();

    /** The registry calls the serdes make, in memory. */
    static final class MemoryRegistry extends RegistryClient {
        private final Map<String, Integer> ids = new ConcurrentHashMap<>();
        private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
        private final AtomicInteger next = new AtomicInteger(1);

        MemoryRegistry() {
            super(RegistrySettings.of("http://registry.invalid"));
        }

        @Override
        public int register(String subject, Schema schema) {
            return ids.computeIfAbsent(subject + "|" + schema, k -> {
                int id = next.getAndIncrement();
                schemas.put(id, schema);
                return id;
            });
        }

        @Override
        public Schema schemaById(int id) {
            Schema s = schemas.get(id);
            if (s == null) {
                throw new UnknownSchemaIdException(id, "no schema " + id);
            }
            return s;
        }
    }

    @BeforeAll
    static void worker() throws Exception {
        model = LabelModel.load(MNIST, ModelOptions.defaults().withIntraOpThreads(1));
        Scoring scoring = new Scoring(model, model.parseSchedule("2"), null, Budget.NONE);
        TriagePolicy policy = new TriagePolicy("1", new TriagePolicy.Thresholds(0.9, 0.5, null), Map.of());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "poison-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(LabelingTopology.champion(TOPICS, scoring, new FailurePolicy(3), policy,
                REGISTRY, LabelingMetrics.none(), new ImageFetcher(FetchSettings.NONE)), props);
        input = driver.createInputTopic(TOPICS.input(), new ByteArraySerializer(), new ByteArraySerializer());
        scored = driver.createOutputTopic(TOPICS.scored(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(TOPICS.dlq(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        byte[] sample = Files.readAllBytes(MNIST.resolve("samples/digit-7-1470.png"));
        inputs = new SoakInputs(REGISTRY, TOPICS.input(), List.of(sample), model.demoLabels(),
                ModelOptions.defaults().maxLabels());
    }

    @AfterAll
    static void close() {
        driver.close();
        model.close();
    }

    @ParameterizedTest
    @EnumSource(Poison.class)
    void getsTheOutcomeTheSoakExpects(Poison kind) {
        String id = "poison-" + kind.name();
        input.pipeInput(new TestRecord<>(id.getBytes(), kind.value(id, inputs)));
        List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
        List<TestRecord<byte[], byte[]>> results = scored.readRecordsToList();
        if (kind.scored()) {
            assertThat(letters).as("dead letters of %s", kind).isEmpty();
            assertThat(results).hasSize(1);
            LabelPosterior p = new AvroWireDeserializer<>(REGISTRY, LabelPosterior.class)
                    .deserialize(TOPICS.scored(), results.get(0).value());
            assertThat(p.getEventId()).isEqualTo(id);
        } else {
            assertThat(results).as("posteriors of %s", kind).isEmpty();
            assertThat(letters).hasSize(1);
            DeadLetter d = new AvroWireDeserializer<>(REGISTRY, DeadLetter.class).deserialize(TOPICS.dlq(),
                    letters.get(0).value());
            assertThat(d.getErrorCode()).as("%s: %s", kind, d.getMessage()).isEqualTo(kind.expected());
            assertThat(d.getKey()).isEqualTo(ByteBuffer.wrap(id.getBytes()));
        }
    }

    @Test
    void aGoodEventIsScored() {
        input.pipeInput(new TestRecord<>("good".getBytes(), inputs.serialize(inputs.goodEvent("good").build())));
        assertThat(dlq.readRecordsToList()).isEmpty();
        assertThat(scored.readRecordsToList()).hasSize(1);
    }

    @Test
    void thereAreAtLeastTwentyKindsOfDeadLetter() {
        assertThat(java.util.Arrays.stream(Poison.values()).filter(p -> !p.scored()).count()).isGreaterThanOrEqualTo(20);
    }

    @Test
    void theOtherRecordSchemaIsOneTheRegistryHas() {
        byte[] b = inputs.serializeOther(new Lineage("t", 0, 1L, Instant.now()));
        assertThat(REGISTRY.schemaById(ByteBuffer.wrap(b, 1, 4).getInt()).getName()).isEqualTo("Lineage");
    }
}
