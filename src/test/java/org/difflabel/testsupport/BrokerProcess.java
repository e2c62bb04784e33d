package org.difflabel.testsupport;

import org.apache.kafka.clients.admin.Admin;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft broker in a JVM of its own, with its data in a folder and fixed ports,
 * so a test can stop it and start it again while clients keep the same bootstrap address. Runs
 * Kafka's own {@code kafka.Kafka} from the test classpath after {@code StorageTool format}.
 */
public final class BrokerProcess implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    private BrokerProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Formats a new broker in {@code dir} and starts it. */
    public static BrokerProcess start(Path dir) throws Exception {
        int port = freePort();
        int controller = freePort();
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.bootstrap.servers=localhost:" + controller,
                "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controller,
                "advertised.listeners=PLAINTEXT://localhost:" + port, "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1", "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "share.coordinator.state.topic.replication.factor=1", "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0", ""));
        Process format = java("kafka.tools.StorageTool", "format", "--standalone", "-t", clusterId(), "-c",
                props.toString()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed: "
                    + new String(format.getInputStream().readAllBytes()));
        }
        BrokerProcess b = new BrokerProcess(dir, port);
        b.start();
        return b;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /** Starts the broker on its data and ports, and waits until it answers. */
    public void start() throws Exception {
        process = java("kafka.Kafka", dir.resolve("server.properties").toString())
                .redirectOutput(dir.resolve("broker.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers(),
                "default.api.timeout.ms", "2000", "request.timeout.ms", "2000"))) {
            while (true) {
                try {
                    admin.listTopics().names().get();
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline || !process.isAlive()) {
                        throw new IllegalStateException("the broker did not start (see " + dir.resolve("broker.log") + ")", e);
                    }
                    Thread.sleep(250);
                }
            }
        }
    }

    /** Stops the broker the way an operator does (SIGTERM: a controlled shutdown) and waits for it. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static ProcessBuilder java(String main, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    /** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding. */
    private static String clusterId() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                .putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
