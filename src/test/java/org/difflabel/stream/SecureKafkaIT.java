package org.difflabel.stream;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.replay.TopicReader;
import org.difflabel.testsupport.BrokerProcess;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.worker.LabelingAssembly;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker against a broker that requires SASL_SSL with SCRAM users, configured the way the
 * deployment does it (environment variables): it labels; a wrong password or an untrusted
 * certificate stops it fast with one clear line (Kafka Streams in ERROR, so health is down), not a
 * loop of thread replacements; and no secret ever reaches a log line.
 */
class SecureKafkaIT {
    private static final String PASSWORD = "worker-secret-" + System.nanoTime();
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static Path dir;
    private static BrokerProcess broker;
    private static BrokerProcess.Secure secure;
    private static LabelModel model;
    private static RegistryClient registry;
    private static final List<LogRecord> logs = new CopyOnWriteArrayList<>();
    private static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logs.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void secureBroker() throws Exception {
        dir = Files.createTempDirectory("secure-broker");
        secure = BrokerProcess.Secure.create(dir, Map.of("worker", PASSWORD));
        broker = BrokerProcess.start(dir, secure);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(LabelingTopics.DEFAULTS.all().stream().map(t -> new NewTopic(t, 1, (short) 1)).toList())
                    .all().get();
        }
        model = LabelModel.load(Path.of("onnx-models/mnist-ddpm"), config(PASSWORD, true).modelOptions(1));
        registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        Logger.getLogger("").addHandler(capture);
    }

    @AfterAll
    static void stop() throws Exception {
        Logger.getLogger("").removeHandler(capture);
        model.close();
        broker.close();
    }

    /** The worker's configuration from environment variables, as k8s/base/deployment.yaml sets them. */
    private static LabelerConfig config(String password, boolean trusted) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "LABELER_WORKER_KAFKA__SECURITY_PROTOCOL_", "SASL_SSL",
                "LABELER_WORKER_KAFKA__SASL_MECHANISM_", "SCRAM-SHA-512",
                "LABELER_WORKER_KAFKA__SASL_JAAS_CONFIG_", "org.apache.kafka.common.security.scram.ScramLoginModule"
                        + " required username=\"worker\" password=\"" + password + "\";",
                "LABELER_WORKER_KAFKA__SSL_TRUSTSTORE_LOCATION_", trusted ? secure.trustStore().toString()
                        : untrustedStore().toString(),
                "LABELER_WORKER_KAFKA__SSL_TRUSTSTORE_PASSWORD_", secure.storePassword(),
                "LABELER_WORKER_KAFKA__SSL_TRUSTSTORE_TYPE_", "PKCS12",
                "LABELER_WORKER_STREAM_THREADS", "1", "LABELER_MODEL_INTRA_OP_THREADS", "1",
                "LABELER_WORKER_COMMIT_INTERVAL_MS", "200"));
        env.put("LABELER_WORKER_APPLICATION_ID", "secure-" + System.nanoTime());
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(LabelerConfig.class).addDefaultSources()
                .withSources(new EnvConfigSource(env, 300) { }).build();
        return c.getConfigMapping(LabelerConfig.class);
    }

    /** A trust store holding some other certificate than the broker's. */
    private static Path untrustedStore() throws Exception {
        Path other = dir.resolve("other");
        if (!Files.exists(other.resolve("trust.p12"))) {
            Files.createDirectories(other);
            var s = BrokerProcess.Secure.create(other, Map.of());
            Files.copy(s.trustStore(), other.resolve("trust.p12"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            // same password as the real one, so only the certificate differs
            return reencrypt(s, other);
        }
        return other.resolve("untrusted.p12");
    }

    private static Path reencrypt(BrokerProcess.Secure s, Path other) throws Exception {
        java.security.KeyStore in = java.security.KeyStore.getInstance("PKCS12");
        try (var r = Files.newInputStream(s.trustStore())) {
            in.load(r, s.storePassword().toCharArray());
        }
        Path out = other.resolve("untrusted.p12");
        try (var w = Files.newOutputStream(out)) {
            in.store(w, secure.storePassword().toCharArray());
        }
        return out;
    }

    @Test
    void theWorkerLabelsThroughSaslSslWithTheDocumentedEnvironment() throws Exception {
        LabelerConfig config = config(PASSWORD, true);
        produce(3);
        try (KafkaStreams streams = LabelingAssembly.of(config, model, broker.secureBootstrapServers(), registry)
                .streams(LabelingMetrics.none())) {
            streams.start();
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (scored() < 3) {
                assertThat(System.nanoTime()).as("scored through SASL_SSL in time").isLessThan(deadline);
                Thread.sleep(500);
            }
            assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
        assertNoSecretLogged();
    }

    @Test
    void aWrongPasswordStopsTheWorkerWithOneClearLine() throws Exception {
        assertFailsFast(config("not-the-password", true));
    }

    @Test
    void anUntrustedCertificateStopsTheWorkerWithOneClearLine() throws Exception {
        assertFailsFast(config(PASSWORD, false));
    }

    private static void assertFailsFast(LabelerConfig config) throws Exception {
        logs.clear();
        try (KafkaStreams streams = LabelingAssembly.of(config, model, broker.secureBootstrapServers(), registry)
                .streams(LabelingMetrics.none())) {
            streams.start();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (streams.state() != KafkaStreams.State.ERROR) {
                assertThat(System.nanoTime()).as("stops instead of retrying forever (state " + streams.state() + ")")
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
        }
        List<String> refused = messages().stream().filter(m -> m.contains("refused the worker's credentials")).toList();
        assertThat(refused).as("one clear line").hasSize(1);
        assertThat(messages()).as("no thread-replacement loop").noneMatch(m -> m.contains("replacing it"));
        assertNoSecretLogged();
    }

    private static List<String> messages() {
        List<String> out = new ArrayList<>();
        for (LogRecord r : logs) {
            String m = r.getMessage();
            if (r.getParameters() != null && r.getParameters().length > 0) {
                try {
                    m = String.format(m, r.getParameters());
                } catch (RuntimeException e) {
                    m = m + " " + List.of(r.getParameters());
                }
            }
            out.add(m + (r.getThrown() == null ? "" : " " + r.getThrown()));
        }
        return out;
    }

    private static void assertNoSecretLogged() {
        assertThat(messages()).as("no secret in any log line")
                .noneMatch(m -> m.contains(PASSWORD) || m.contains(secure.storePassword()));
    }

    private static long scored() {
        var d = new AvroWireDeserializer<>(registry, LabelPosterior.class);
        return TopicReader.readAll(Map.of("bootstrap.servers", broker.bootstrapServers()),
                LabelingTopics.DEFAULTS.scored(), r -> d.deserialize(r.topic(), r.value()));
    }

    private static void produce(int n) throws Exception {
        byte[] image;
        try (var s = Files.list(Path.of("onnx-models/mnist-ddpm/samples"))) {
            image = Files.readAllBytes(s.sorted().findFirst().orElseThrow());
        }
        AvroWireSerializer<ImageEvent> ser = AvroWireSerializer.forValues(registry, ImageEvent.class);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                ImageEvent e = ImageEvent.newBuilder().setEventId("secure-" + i).setImage(ByteBuffer.wrap(image))
                        .setContentType("image/png").setLabels(DIGITS).setPromptTemplate(null).setLabelPriors(null)
                        .setMetadata(Map.of()).setProducedAt(Instant.now()).build();
                p.send(new ProducerRecord<>(LabelingTopics.DEFAULTS.input(), ("secure-" + i).getBytes(),
                        ser.serialize(LabelingTopics.DEFAULTS.input(), e))).get();
            }
        }
    }
}
