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
    private final Integer securePort;
    private Process process;

    private BrokerProcess(Path dir, int port, Integer securePort) {
        this.dir = dir;
        this.port = port;
        this.securePort = securePort;
    }

    /** Formats a new broker in {@code dir} and starts it. */
    public static BrokerProcess start(Path dir) throws Exception {
        return start(dir, null);
    }

    /**
     * A broker with, besides its plaintext listener, a {@code SASL_SSL} listener ({@link #secureBootstrapServers})
     * that accepts the SCRAM-SHA-512 users of {@code secure} and presents its key store.
     */
    public static BrokerProcess start(Path dir, Secure secure) throws Exception {
        int port = freePort();
        int controller = freePort();
        Integer securePort = secure == null ? null : freePort();
        Path props = dir.resolve("server.properties");
        List<String> lines = new java.util.ArrayList<>(List.of(
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.bootstrap.servers=localhost:" + controller,
                "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controller
                        + (secure == null ? "" : ",SECURE://localhost:" + securePort),
                "advertised.listeners=PLAINTEXT://localhost:" + port
                        + (secure == null ? "" : ",SECURE://localhost:" + securePort),
                "controller.listener.names=CONTROLLER", "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURE:SASL_SSL"));
        if (secure != null) {
            lines.addAll(List.of("sasl.enabled.mechanisms=SCRAM-SHA-512",
                    "listener.name.secure.scram-sha-512.sasl.jaas.config="
                            + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                    "listener.name.secure.ssl.keystore.location=" + secure.keyStore(),
                    "listener.name.secure.ssl.keystore.password=" + secure.storePassword(),
                    "listener.name.secure.ssl.keystore.type=PKCS12"));
        }
        Files.writeString(props, String.join("\n", lines) + "\n" + String.join("\n",
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1", "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "share.coordinator.state.topic.replication.factor=1", "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0", ""));
        List<String> format = new java.util.ArrayList<>(List.of("format", "--standalone", "-t", clusterId(), "-c",
                props.toString()));
        if (secure != null) {
            secure.users().forEach((user, password) -> format.addAll(List.of("--add-scram",
                    "SCRAM-SHA-512=[name=" + user + ",password=" + password + "]")));
        }
        Process formatting = java("kafka.tools.StorageTool", format.toArray(String[]::new)).start();
        if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed: "
                    + new String(formatting.getInputStream().readAllBytes()));
        }
        BrokerProcess b = new BrokerProcess(dir, port, securePort);
        b.start();
        return b;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /** The SASL_SSL listener (brokers started with {@link Secure}). */
    public String secureBootstrapServers() {
        return "localhost:" + securePort;
    }

    /**
     * What the SASL_SSL listener needs: a PKCS12 key store with the broker's certificate (for
     * "localhost") and the SCRAM users. {@link #create} makes one with the JDK's keytool, and a
     * trust store for clients.
     */
    public record Secure(Path keyStore, Path trustStore, String storePassword, Map<String, String> users) {
        public static Secure create(Path dir, Map<String, String> users) throws Exception {
            String pw = "store-" + UUID.randomUUID();
            Path ks = dir.resolve("broker.p12");
            Path cert = dir.resolve("broker.crt");
            Path ts = dir.resolve("trust.p12");
            keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                    "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                    "-storepass", pw, "-keypass", pw);
            keytool("-exportcert", "-alias", "broker", "-keystore", ks.toString(), "-storepass", pw, "-file", cert.toString());
            keytool("-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(), "-storetype", "PKCS12",
                    "-keystore", ts.toString(), "-storepass", pw);
            return new Secure(ks, ts, pw, Map.copyOf(users));
        }

        private static void keytool(String... args) throws Exception {
            List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                    "keytool").toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed: " + new String(p.getInputStream().readAllBytes()));
            }
        }
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
