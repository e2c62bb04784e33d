package org.difflabel.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) run in this process from
 * Kafka's own server code: the embedded default when no cluster is configured, and the broker of
 * the tests. Its log directory is formatted only when it is not yet, so a broker started again on
 * the same folder has its topics, offsets and transactions back. One node means replication
 * factor 1 and min ISR 1 for the internal topics, or consumer groups and transactions never
 * initialise.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final int BIND_ATTEMPTS = 5;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Map<String, String> SINGLE_NODE = Map.of(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "1",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "transaction.state.log.num.partitions", "1",
            "share.coordinator.state.topic.replication.factor", "1",
            "share.coordinator.state.topic.min.isr", "1",
            "group.initial.rebalance.delay.ms", "0");

    private final KafkaRaftServer server;
    private final int port;
    private final Path temporary;

    private EmbeddedKafka(KafkaRaftServer server, int port, Path temporary) {
        this.server = server;
        this.port = port;
        this.temporary = temporary;
    }

    /** A broker on any free port whose data lives under {@code logDir} (null: a temporary folder removed on close). */
    public static EmbeddedKafka start(Path logDir) throws Exception {
        return start(logDir, 0);
    }

    /**
     * Starts a broker with its log directory {@code logDir} (formatted if it is not yet; null: a
     * temporary folder removed on close) listening on loopback at {@code preferredPort} when free,
     * else the next free port ({@link ListenPort}; 0: any free port).
     */
    public static EmbeddedKafka start(Path logDir, int preferredPort) throws Exception {
        long t0 = System.nanoTime();
        Path temporary = logDir == null ? Files.createTempDirectory("difflabel-kafka-") : null;
        Path dir = (logDir == null ? temporary : logDir).toAbsolutePath();
        Files.createDirectories(dir);
        boolean fresh = !Files.exists(dir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME));
        int port = ListenPort.choose(preferredPort);
        for (int attempt = 1; ; attempt++) {
            // the controller's port may change from one start to the next: the quorum is static (one voter)
            int controllerPort = ListenPort.choose(0);
            KafkaConfig config = new KafkaConfig(settings(dir, port, controllerPort), false);
            if (fresh) {
                format(config, dir);
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                server.startup();
            } catch (RuntimeException e) {
                stop(server);
                if (attempt < BIND_ATTEMPTS && bindFailure(e)) {
                    port = ListenPort.after(port, preferredPort); // taken since it was checked
                    continue;
                }
                throw e;
            }
            EmbeddedKafka k = new EmbeddedKafka(server, port, temporary);
            try {
                k.awaitReady();
            } catch (Exception e) {
                k.close();
                throw e;
            }
            LOG.infof("embedded Kafka broker ready at %s in %.1f s (%s)", k.bootstrapServers(),
                    (System.nanoTime() - t0) / 1e9, fresh ? "new, in " + dir : "its data from " + dir);
            return k;
        }
    }

    private static Map<String, Object> settings(Path dir, int port, int controllerPort) {
        Map<String, Object> p = new HashMap<>(SINGLE_NODE);
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.toString());
        return p;
    }

    /** What {@code kafka-storage format} does: a new cluster id, the latest production metadata version. */
    private static void format(KafkaConfig config, Path dir) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(dir.toString())
                .addDirectory(dir.toString())
                // the default would follow the config, which may name an unstable testing version
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setIgnoreFormatted(true)
                .run();
    }

    private static boolean bindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.net.BindException || m.contains("Socket server failed to bind")) {
                return true;
            }
        }
        return false;
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers(),
                "default.api.timeout.ms", "5000", "request.timeout.ms", "2000"))) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the embedded broker did not answer within " + READY_TIMEOUT, e);
                    }
                }
                Thread.sleep(100);
            }
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Creates the topics that do not exist yet. */
    public void createTopics(Collection<String> names, int partitions) throws InterruptedException {
        createTopics(bootstrapServers(), names, partitions);
    }

    /** Creates {@code names} on any cluster, tolerating topics that already exist. */
    public static void createTopics(String bootstrapServers, Collection<String> names, int partitions)
            throws InterruptedException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            List<NewTopic> topics = names.stream().map(n -> new NewTopic(n, partitions, (short) 1)).toList();
            for (var f : admin.createTopics(topics).values().values()) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topics " + names + ": " + e.getCause(), e.getCause());
                    }
                }
            }
        }
    }

    private static void stop(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    /** A controlled shutdown: the broker's files are complete and closed when this returns. */
    @Override
    public void close() throws IOException {
        stop(server);
        if (temporary != null) {
            Utils.delete(temporary.toFile()); // only now: nothing writes there any more
        }
    }
}
