package org.difflabel.replay;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.avro.specific.SpecificRecord;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelComparison;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.TestConfig;
import org.difflabel.worker.LabelingAssembly;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A real broker and registry with the pipeline's topics, events with known timestamps, and
 * readers of the outputs: what the re-score tests share. Events use a cheap schedule
 * ({@code 4:3,8:1}) so the tests spend their time on Kafka, not on inference.
 */
final class ReplayFixture implements AutoCloseable {
    static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    static final Path CHAMPION_MODEL = Path.of("onnx-models/mnist-ddpm");
    // recent: records older than the broker's retention (7 days) may be deleted mid-test
    static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).minusSeconds(3600);
    static final String STAGES = "4:3,8:1";

    final EmbeddedKafka kafka;
    final RegistryClient registry;
    final LabelingTopics topics = LabelingTopics.DEFAULTS;

    ReplayFixture(int partitions) throws Exception {
        kafka = EmbeddedKafka.start(null);
        registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        kafka.createTopics(topics.all(), partitions);
    }

    LabelerConfig config(Map<String, String> extra) {
        Map<String, String> p = new HashMap<>(Map.of("labeler.model.stages", STAGES,
                "labeler.worker.commit-interval-ms", "100", "labeler.worker.stream-threads", "1",
                "labeler.model.intra-op-threads", "1"));
        p.putAll(extra);
        return TestConfig.labeler(p);
    }

    LabelingAssembly assembly(LabelerConfig config, LabelModel model) {
        return LabelingAssembly.of(config, model, kafka.bootstrapServers(), registry);
    }

    /** Events {@code event-0..n-1}, event i stamped T0 + i seconds, spread over the partitions by key. */
    void produce(int n) throws Exception {
        List<byte[]> images = new ArrayList<>();
        try (var s = Files.list(CHAMPION_MODEL.resolve("samples"))) {
            for (Path p : s.sorted().toList()) {
                images.add(Files.readAllBytes(p));
            }
        }
        AvroWireSerializer<ImageEvent> ser = AvroWireSerializer.forValues(registry, ImageEvent.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String id = "event-" + i;
                ImageEvent e = ImageEvent.newBuilder().setEventId(id)
                        .setImage(ByteBuffer.wrap(images.get(i % images.size()))).setContentType("image/png")
                        .setLabels(DIGITS).setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of())
                        .setProducedAt(T0.plusSeconds(i)).build();
                producer.send(new ProducerRecord<>(topics.input(), null, T0.plusSeconds(i).toEpochMilli(), id.getBytes(),
                        ser.serialize(topics.input(), e)));
            }
        }
    }

    /** Human labels (source DATASET) on labels.reviewed, keyed by event id. */
    void reviewed(Map<String, String> labels) throws Exception {
        AvroWireSerializer<ReviewedLabel> ser = AvroWireSerializer.forValues(registry, ReviewedLabel.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (var e : labels.entrySet()) {
                ReviewedLabel r = ReviewedLabel.newBuilder().setEventId(e.getKey()).setOutcome(ReviewOutcome.LABELLED)
                        .setFinalLabel(e.getValue()).setReviewerId("dataset:test").setReviewedAt(Instant.now())
                        .setSource(ReviewSource.DATASET).build();
                producer.send(new ProducerRecord<>(topics.reviewed(), e.getKey().getBytes(),
                        ser.serialize(topics.reviewed(), r))).get();
            }
        }
    }

    /** Runs {@code assembly} until {@code done} holds (checked every 500 ms), then closes it. */
    void runUntil(LabelingAssembly assembly, Supplier<Boolean> done, Duration timeout) throws InterruptedException {
        try (KafkaStreams streams = assembly.streams(LabelingMetrics.none())) {
            streams.start();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.get()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not done after " + timeout);
                }
                Thread.sleep(500);
            }
        }
    }

    <T extends SpecificRecord> List<T> read(String topic, Class<T> type) {
        AvroWireDeserializer<T> d = new AvroWireDeserializer<>(registry, type);
        List<T> out = new ArrayList<>();
        TopicReader.readAll(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topic,
                r -> out.add(d.deserialize(topic, r.value())));
        return out;
    }

    long count(String topic) {
        return TopicReader.readAll(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topic,
                r -> { });
    }

    List<LabelPosterior> scored() {
        return read(topics.scored(), LabelPosterior.class);
    }

    List<LabelPosterior> rescored() {
        return read(topics.rescored(), LabelPosterior.class);
    }

    List<LabelComparison> diffs() {
        return read(topics.diff(), LabelComparison.class);
    }

    /** The champion model under another version string: a second version with known behaviour, for tests only. */
    static Path otherVersion(Path dir, String version) throws Exception {
        Files.createDirectories(dir);
        Files.copy(CHAMPION_MODEL.resolve("unet.onnx"), dir.resolve("unet.onnx"));
        String manifest = Files.readString(CHAMPION_MODEL.resolve("model.json"));
        Files.writeString(dir.resolve("model.json"), manifest.replaceFirst("\"version\"\\s*:\\s*\"1\\.0\\.0\"",
                "\"version\": \"" + version + "\""));
        return dir;
    }

    @Override
    public void close() throws Exception {
        kafka.close();
    }
}
