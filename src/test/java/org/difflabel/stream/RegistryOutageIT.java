package org.difflabel.stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.registry.RegistryUnavailableException;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.TcpForwarder;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An unreachable registry is not bad data. The worker's registry is out of reach when events
 * arrive (they carry a schema id it has never seen). A short outage is ridden out by the registry
 * client's retries inside the record; a longer one fails the stream thread, which is replaced
 * ({@link RetryOnFailure}) and retries the record. Either way nothing is committed meanwhile,
 * nothing goes to the dead-letter queue, and once the registry is back every event is scored
 * exactly once.
 */
class RegistryOutageIT {
    private static final int EVENTS = 5;

    @Test
    void aShortOutageIsRiddenOutInsideTheRecord() throws Exception {
        // the worker's default labeler.worker.registry-max-retries: about 2 minutes of retries
        List<Throwable> failures = outage(30, Map.of(), Duration.ofSeconds(4), 0);
        assertThat(failures).as("stream thread failures").isEmpty();
    }

    @Test
    void aLongOutageReplacesTheThreadWhichRetriesTheRecord() throws Exception {
        // one retry, so the thread fails at once; the broker's minimum session timeout keeps each
        // replacement short (a replaced thread's partitions move after the session timeout)
        List<Throwable> failures = outage(1, Map.of("consumer.session.timeout.ms", "6000"), Duration.ofSeconds(60), 2);
        assertThat(failures).hasSizeGreaterThanOrEqualTo(2).allSatisfy(e -> assertThat(causes(e))
                .hasAtLeastOneElementOfType(RegistryUnavailableException.class));
    }

    /**
     * Runs {@link #EVENTS} events with the worker's registry unreachable for {@code down} (or until
     * {@code failuresBeforeBack} thread failures), then reachable; returns the thread failures.
     */
    private static List<Throwable> outage(int maxRetries, Map<String, String> extra, Duration down,
                                          int failuresBeforeBack) throws Exception {
        LabelingTopics topics = LabelingTopics.DEFAULTS;
        URI real = URI.create(RegistryServer.shared().url());
        int port = TcpForwarder.freePort();
        RegistryClient direct = new RegistryClient(RegistrySettings.of(real.toString()));
        RegistryClient worker = new RegistryClient(RegistrySettings.of(real.getScheme() + "://127.0.0.1:" + port
                + real.getPath()).withMaxRetries(maxRetries));
        byte[] png;
        try (var s = Files.list(Path.of("onnx-models/mnist-ddpm/samples"))) {
            png = Files.readAllBytes(s.sorted().findFirst().orElseThrow());
        }
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        RetryOnFailure retry = new RetryOnFailure();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
             LabelModel model = LabelModel.load(Path.of("onnx-models/mnist-ddpm"), ModelOptions.defaults().withBatchSize(128))) {
            kafka.createTopics(List.of(topics.input(), topics.scored(), topics.accepted(), topics.review(), topics.dlq()), 1);
            AvroWireSerializer<ImageEvent> events = AvroWireSerializer.forValues(direct, ImageEvent.class);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                    kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < EVENTS; i++) {
                    ImageEvent e = ImageEvent.newBuilder().setEventId("outage-" + i).setImage(ByteBuffer.wrap(png))
                            .setContentType("image/png").setLabels(List.of("0", "1", "7")).setPromptTemplate(null)
                            .setLabelPriors(null).setMetadata(Map.of()).setProducedAt(Instant.now()).build();
                    producer.send(new ProducerRecord<>(topics.input(), e.getEventId().getBytes(),
                            events.serialize(topics.input(), e)));
                }
            }
            TriagePolicy policy = new TriagePolicy("v1", new TriagePolicy.Thresholds(0.9, 0.5, null), Map.of());
            var topology = LabelingTopology.champion(topics, Scoring.defaults(model), new FailurePolicy(3), policy, worker,
                    LabelingMetrics.none());
            StreamSettings settings = new StreamSettings("outage-test", kafka.bootstrapServers(), 1, 1, 300_000, 60_000,
                    100, extra);
            try (KafkaStreams streams = new KafkaStreams(topology, settings.toProperties());
                 KafkaConsumer<byte[], byte[]> scored = reader(kafka.bootstrapServers(), topics.scored());
                 KafkaConsumer<byte[], byte[]> dlq = reader(kafka.bootstrapServers(), topics.dlq())) {
                streams.setUncaughtExceptionHandler(e -> {
                    failures.add(e);
                    return retry.handle(e);
                });
                streams.start();
                long deadline = System.nanoTime() + down.toNanos();
                while (System.nanoTime() < deadline && (failuresBeforeBack == 0 || failures.size() < failuresBeforeBack)) {
                    Thread.sleep(100);
                }
                assertThat(read(scored, 0, Duration.ofSeconds(1))).as("posteriors during the outage").isEmpty();

                List<byte[]> out;
                try (TcpForwarder back = TcpForwarder.start(port, real.getHost(), real.getPort())) {
                    out = read(scored, EVENTS, Duration.ofSeconds(120));
                    assertThat(read(dlq, 0, Duration.ofSeconds(1))).as("dead letters").isEmpty();
                    assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
                }
                AvroWireDeserializer<LabelPosterior> posteriors = new AvroWireDeserializer<>(direct, LabelPosterior.class);
                Set<String> ids = new HashSet<>();
                for (byte[] v : out) {
                    ids.add(posteriors.deserialize(topics.scored(), v).getEventId());
                }
                assertThat(out).hasSize(EVENTS);
                assertThat(ids).hasSize(EVENTS);
            }
        }
        return failures;
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private static KafkaConsumer<byte[], byte[]> reader(String bootstrap, String topic) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "outage-reader-" + topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    /** Polls until {@code expected} records arrived and 2 s more passed (to catch extras), or {@code max} passed. */
    private static List<byte[]> read(KafkaConsumer<byte[], byte[]> c, int expected, Duration max) {
        List<byte[]> out = new ArrayList<>();
        long deadline = System.nanoTime() + max.toNanos();
        long settle = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, settle)) {
            c.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            if (out.size() >= expected && settle == Long.MAX_VALUE) {
                settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            }
        }
        return out;
    }
}
