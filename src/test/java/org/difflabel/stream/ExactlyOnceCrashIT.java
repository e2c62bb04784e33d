package org.difflabel.stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.SampleEvents;
import org.difflabel.testsupport.StreamWorkerProcess;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing lost, nothing duplicated: a worker process is killed with SIGKILL while a transaction
 * holds some of its outputs, then restarted. A read_committed consumer then sees every event id
 * exactly once in labels.scored; a read_uncommitted one shows the aborted outputs of the killed
 * transaction (proof that the kill did land mid-transaction).
 */
class ExactlyOnceCrashIT {
    private static final int EVENTS = 40;

    @Test
    void killedWorkerLosesAndDuplicatesNothing() throws Exception {
        LabelingTopics topics = LabelingTopics.DEFAULTS;
        RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            kafka.createTopics(List.of(topics.input(), topics.scored(), topics.accepted(), topics.review(), topics.dlq()), 2);
            SampleEvents.produce(kafka.bootstrapServers(), registry, topics.input(), EVENTS, 0);

            // 1. a worker whose first transaction stays open for 30 s: kill it once outputs are pending
            Process first = worker(kafka, "30000");
            awaitCount(kafka, topics.scored(), "read_uncommitted", 3, Duration.ofSeconds(120));
            assertThat(count(kafka, topics.scored(), "read_committed")).as("nothing committed yet").isZero();
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook, no commit

            // 2. a new worker takes over: the aborted transaction's records are processed again
            Process second = worker(kafka, "100");
            try {
                Map<String, Integer> seen = scoredIds(kafka, registry, topics, Duration.ofSeconds(180));
                assertThat(seen).hasSize(EVENTS);
                assertThat(seen.values()).as("each event id exactly once").containsOnly(1);
                assertThat(count(kafka, topics.scored(), "read_uncommitted"))
                        .as("aborted outputs of the killed worker are still in the log, uncommitted").isGreaterThan(EVENTS);
            } finally {
                second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Process worker(EmbeddedKafka kafka, String commitIntervalMs) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-Dai.djl.offline=true",
                StreamWorkerProcess.class.getName(), kafka.bootstrapServers(), RegistryServer.shared().url(),
                "onnx-models/mnist-ddpm", commitIntervalMs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
            if (line.equals("running")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "worker-output");
                drain.setDaemon(true);
                drain.start();
                return p;
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("worker process did not reach RUNNING");
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafka kafka, String isolation) {
        Map<String, Object> props = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "check-" + System.nanoTime(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation));
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Records in {@code topic} visible at {@code isolation}, read until 2 s pass without new ones. */
    private static int count(EmbeddedKafka kafka, String topic, String isolation) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(kafka, isolation)) {
            c.subscribe(List.of(topic));
            int n = 0;
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < Duration.ofSeconds(2).toNanos()) {
                int got = c.poll(Duration.ofMillis(200)).count();
                if (got > 0) {
                    n += got;
                    quietSince = System.nanoTime();
                }
            }
            return n;
        }
    }

    private static void awaitCount(EmbeddedKafka kafka, String topic, String isolation, int atLeast, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(kafka, isolation)) {
            c.subscribe(List.of(topic));
            int n = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (n < atLeast) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + n + " records in " + topic + " after " + timeout);
                }
                n += c.poll(Duration.ofMillis(100)).count();
            }
        }
    }

    /** Event ids in labels.scored (read_committed) and how often each appears, once all arrived. */
    private static Map<String, Integer> scoredIds(EmbeddedKafka kafka, RegistryClient registry, LabelingTopics topics,
                                                  Duration timeout) {
        AvroWireDeserializer<LabelPosterior> d = new AvroWireDeserializer<>(registry, LabelPosterior.class);
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(kafka, "read_committed")) {
            c.subscribe(List.of(topics.scored()));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle)) {
                c.poll(Duration.ofMillis(200)).forEach(r -> seen.merge(d.deserialize(r.topic(), r.value()).getEventId(), 1,
                        Integer::sum));
                if (seen.size() >= EVENTS && settle == Long.MAX_VALUE) {
                    settle = System.nanoTime() + Duration.ofSeconds(3).toNanos(); // catch any duplicate
                }
            }
        }
        return seen;
    }
}
