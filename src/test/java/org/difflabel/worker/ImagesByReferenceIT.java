package org.difflabel.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.avro.specific.SpecificRecord;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.PipelineStage;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.images.ImageFetcher;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.review.InputImages;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.S3Server;
import org.difflabel.testsupport.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.difflabel.testsupport.HttpAnswers.answer;
import static org.difflabel.testsupport.HttpAnswers.redirect;

/**
 * The worker (the one assembly, its configuration through {@code labeler.image.reference.*}) on a
 * real broker and registry, with images by reference from a real S3-compatible server (s3rver), a
 * real HTTP server and a folder: the events by reference are scored like inline ones; each refusal
 * is dead-lettered with its own code; a store that answers 503 for longer than the retries inside
 * the record is neither dead-lettered nor skipped (the record is processed again and scored); a
 * review task names its image by reference and the review side fetches it by the same rules.
 */
class ImagesByReferenceIT {
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final int MAX_BYTES = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void theWorkerScoresImagesByReferenceAndDeadLettersEachRefusalWithItsCode() throws Exception {
        byte[] seven = Files.readAllBytes(Path.of("onnx-models/mnist-ddpm/samples/digit-7-1470.png"));
        Path root = Files.createDirectories(dir.resolve("images"));
        Files.write(root.resolve("seven.png"), seven);
        Files.write(dir.resolve("outside.png"), seven);
        AtomicInteger flakyCalls = new AtomicInteger();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String base = "http://127.0.0.1:" + http.getAddress().getPort();
        http.createContext("/seven.png", x -> answer(x, 200, seven));
        http.createContext("/secret.png", x -> answer(x, 403, new byte[0]));
        http.createContext("/gone.png", x -> answer(x, 400, new byte[0]));
        http.createContext("/away.png", x -> redirect(x, "http://localhost:" + http.getAddress().getPort() + "/seven.png"));
        http.createContext("/loop.png", x -> redirect(x, "/loop.png"));
        // 503 for the first five calls: more than one record attempt's tries (2), so the stream thread
        // fails and the record is processed again until the store answers
        http.createContext("/flaky.png", x -> answer(x, flakyCalls.incrementAndGet() <= 5 ? 503 : 200, seven));
        http.start();

        try (S3Server s3 = S3Server.start("images", "other");
             EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            s3.put("images", "digits/7.png", seven);
            s3.put("images", "huge.png", new byte[MAX_BYTES + 1]);
            s3.put("other", "digits/7.png", seven);

            Map<String, String> settings = new HashMap<>(s3.properties());
            settings.put("labeler.image.max-bytes", String.valueOf(MAX_BYTES));
            settings.put("labeler.image.reference.allowed-hosts", "127.0.0.1,169.254.169.254");
            settings.put("labeler.image.reference.allowed-buckets", "images");
            settings.put("labeler.image.reference.allow-loopback", "true");
            settings.put("labeler.image.reference.file-root", root.toString());
            settings.put("labeler.image.reference.max-attempts", "2");
            settings.put("labeler.image.reference.retry-backoff", "PT0.05S");
            settings.put("labeler.model.stages", "16");
            settings.put("labeler.policy.audit-rate", "1"); // every result to review: the tasks are checked below
            settings.put("labeler.worker.stream-threads", "1");
            settings.put("labeler.worker.application-id", "by-reference-" + UUID.randomUUID().toString().substring(0, 8));
            // a replaced stream thread gets its partition back sooner than with the 45 s default
            settings.put("labeler.worker.kafka.\"session.timeout.ms\"", "6000");
            LabelerConfig config = TestConfig.labeler(settings);

            RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
            LabelingTopics topics = LabelingTopics.DEFAULTS.prefixed(UUID.randomUUID().toString().substring(0, 8) + ".");
            kafka.createTopics(topics.all(), 1);

            Map<String, Object> events = new LinkedHashMap<>();
            events.put("s3", "s3://images/digits/7.png");
            events.put("https-or-http", base + "/seven.png");
            events.put("file", root.resolve("seven.png").toUri().toString());
            events.put("inline", seven);
            events.put("flaky-store", base + "/flaky.png");
            Map<String, ErrorCode> refused = new LinkedHashMap<>();
            refused.put("s3://other/digits/7.png", ErrorCode.IMAGE_REF_NOT_ALLOWED);
            refused.put("s3://images/digits/nothing.png", ErrorCode.IMAGE_REF_NOT_FOUND);
            refused.put("s3://images/huge.png", ErrorCode.IMAGE_REF_TOO_LARGE);
            refused.put(base + "/secret.png", ErrorCode.IMAGE_REF_FORBIDDEN);
            refused.put(base + "/gone.png", ErrorCode.IMAGE_REF_REFUSED);
            refused.put(base + "/away.png", ErrorCode.IMAGE_REF_BAD_REDIRECT);
            refused.put(base + "/loop.png", ErrorCode.IMAGE_REF_TOO_MANY_REDIRECTS);
            refused.put("http://169.254.169.254/latest/meta-data/iam/", ErrorCode.IMAGE_REF_BLOCKED_ADDRESS);
            refused.put("gopher://127.0.0.1/seven.png", ErrorCode.IMAGE_REF_BAD_URI);
            refused.put("file://" + root + "/../outside.png", ErrorCode.IMAGE_REF_OUTSIDE_ROOT);

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (LabelModel model = LabelModel.load(Path.of(config.model().path()), config.modelOptions(1))) {
                LabelingAssembly assembly = LabelingAssembly.of(config, model, kafka.bootstrapServers(), registry)
                        .withTopics(topics);
                // produce: the good ones, each refusal, and one event with both bytes and a reference
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        Map.of("bootstrap.servers", kafka.bootstrapServers()), new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    var serializer = AvroWireSerializer.forValues(registry, ImageEvent.class);
                    Function<ImageEvent, byte[]> wire = e -> serializer.serialize(topics.input(), e);
                    events.forEach((id, image) -> producer.send(new ProducerRecord<>(topics.input(), id.getBytes(),
                            wire.apply(image instanceof byte[] b ? event(id, b, null) : event(id, null, (String) image)))));
                    int i = 0;
                    for (String uri : refused.keySet()) {
                        String id = "refused-" + i++;
                        producer.send(new ProducerRecord<>(topics.input(), id.getBytes(), wire.apply(event(id, null, uri))));
                    }
                    producer.send(new ProducerRecord<>(topics.input(), "both".getBytes(),
                            wire.apply(event("both", seven, base + "/seven.png"))));
                }

                try (KafkaStreams streams = assembly.streams(new LabelingMetrics(meters))) {
                    streams.start();
                    List<LabelPosterior> scored = read(kafka, registry, topics.scored(), LabelPosterior.class, events.size());
                    List<DeadLetter> dead = read(kafka, registry, topics.dlq(), DeadLetter.class, refused.size() + 1);
                    List<ReviewTask> review = read(kafka, registry, topics.review(), ReviewTask.class, events.size());

                    // every good event scored once, by reference like inline: the digit 7
                    assertThat(scored).extracting(LabelPosterior::getEventId)
                            .containsExactlyInAnyOrderElementsOf(events.keySet());
                    assertThat(scored).allSatisfy(p -> assertThat(p.getTopLabel()).as(p.getEventId()).isEqualTo("7"));

                    // each refusal dead-lettered once, with its own code, at the FETCH stage
                    Map<String, DeadLetter> byId = dead.stream().collect(Collectors.toMap(DeadLetter::getEventId, d -> d));
                    assertThat(byId).hasSize(refused.size() + 1);
                    int i = 0;
                    for (var r : refused.entrySet()) {
                        DeadLetter d = byId.get("refused-" + i++);
                        assertThat(d.getErrorCode()).as(r.getKey() + ": " + d.getMessage()).isEqualTo(r.getValue());
                        assertThat(d.getStage()).isEqualTo(PipelineStage.FETCH);
                    }
                    assertThat(byId.get("both").getErrorCode()).isEqualTo(ErrorCode.IMAGE_REF_AND_BYTES);
                    assertThat(byId.get("both").getStage()).isEqualTo(PipelineStage.VALIDATE);
                    assertThat(dead).extracting(DeadLetter::getEventId).doesNotContain("flaky-store");

                    // the unavailable store was retried, counted as transient, and the record scored in the end
                    assertThat(flakyCalls.get()).isGreaterThanOrEqualTo(6);
                    assertThat(meters.get("labeler.transient.failures").tag("cause", "image-store").counter().count())
                            .isGreaterThanOrEqualTo(1);

                    // a review task names its image by reference; the review side fetches it by the same rules
                    ReviewTask s3Task = review.stream().filter(t -> t.getEventId().equals("s3")).findFirst().orElseThrow();
                    assertThat(s3Task.getImage()).isNull();
                    assertThat(s3Task.getImageUri()).isEqualTo("s3://images/digits/7.png");
                    ReviewTask inlineTask = review.stream().filter(t -> t.getEventId().equals("inline")).findFirst()
                            .orElseThrow();
                    assertThat(inlineTask.getImageUri()).isNull();
                    InputImages reviewImages = new InputImages(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                            registry, new ImageFetcher(config.imageFetchSettings()));
                    InputImages.Image shown = reviewImages.of(s3Task).orElseThrow();
                    assertThat(shown.bytes()).isEqualTo(seven);
                    assertThat(shown.contentType()).isEqualTo("image/png");
                }
            }
        } finally {
            http.stop(0);
        }
    }

    private static ImageEvent event(String id, byte[] bytes, String uri) {
        return ImageEvent.newBuilder().setEventId(id).setImage(ByteBuffer.wrap(bytes == null ? new byte[0] : bytes))
                .setImageUri(uri).setContentType("image/png").setLabels(DIGITS).setPromptTemplate(null)
                .setLabelPriors(null).setMetadata(Map.of()).setProducedAt(Instant.now()).build();
    }

    /** Reads {@code topic} with read_committed until {@code expected} records arrived (or two minutes passed). */
    private static <T extends SpecificRecord> List<T> read(EmbeddedKafka kafka, RegistryClient registry, String topic,
                                                           Class<T> type, int expected) {
        var d = new AvroWireDeserializer<>(registry, type);
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(d.deserialize(topic, r.value()));
                }
            }
        }
        return out;
    }
}
