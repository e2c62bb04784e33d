package org.difflabel.stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scale-out, the way users grow past one machine: three worker processes share a 6-partition
 * input; mid-stream one is killed with SIGKILL and a fourth is started. Partitions move, every
 * event is scored exactly once (read_committed), and the test prints how the partitions moved and
 * how long scoring stalled around the kill.
 */
class ScaleOutIT {
    private static final int EVENTS = 120;
    /** Short, so the killed worker's open transaction is aborted (and its partitions freed) quickly. */
    private static final String TRANSACTION_TIMEOUT_MS = "10000";
    private static final String SESSION_TIMEOUT_MS = "6000";

    /** A worker process and the timeline of the partitions it owned. */
    private record Worker(String name, Process process, List<String> timeline) {
    }

    @Test
    void workersJoinAndDieWhileEveryEventIsScoredExactlyOnce() throws Exception {
        LabelingTopics topics = LabelingTopics.DEFAULTS;
        RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            kafka.createTopics(List.of(topics.input(), topics.scored(), topics.accepted(), topics.review(), topics.dlq()), 6);
            SampleEvents.produce(kafka.bootstrapServers(), registry, topics.input(), EVENTS, 6);
            long t0 = System.nanoTime();
            List<Worker> workers = new ArrayList<>();
            for (String name : List.of("A", "B", "C")) {
                workers.add(start(kafka, name, t0));
            }
            Map<String, Integer> seen = new HashMap<>();
            Map<Integer, List<Double>> commitTimes = new HashMap<>(); // by input partition (event i went to i % 6)
            AvroWireDeserializer<LabelPosterior> d = new AvroWireDeserializer<>(registry, LabelPosterior.class);
            double killedAt = 0;
            double startedAt = 0;
            try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
                c.subscribe(List.of(topics.scored()));
                long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
                long settle = Long.MAX_VALUE;
                while (System.nanoTime() < Math.min(deadline, settle)) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        String id = d.deserialize(r.topic(), r.value()).getEventId();
                        seen.merge(id, 1, Integer::sum);
                        commitTimes.computeIfAbsent(Integer.parseInt(id.substring("event-".length())) % 6,
                                k -> new ArrayList<>()).add(seconds(t0));
                    }
                    if (killedAt == 0 && seen.size() >= EVENTS / 4) {
                        // mid-stream: B dies without a word, D joins
                        workers.get(1).process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                        killedAt = seconds(t0);
                        workers.add(start(kafka, "D", t0));
                        startedAt = seconds(t0);
                    }
                    if (seen.size() >= EVENTS && settle == Long.MAX_VALUE) {
                        settle = System.nanoTime() + Duration.ofSeconds(3).toNanos(); // room for a duplicate to show
                    }
                }
            } finally {
                workers.forEach(w -> w.process().destroyForcibly());
            }

            System.out.printf("B killed at %.1f s, D started at %.1f s%n", killedAt, startedAt);
            for (Worker w : workers) {
                System.out.println("worker " + w.name() + ": " + String.join(", ", w.timeline()));
            }
            for (int p = 0; p < 6; p++) {
                System.out.printf("input partition %d: longest stall in committed results after the kill %.1f s%n", p,
                        longestGap(commitTimes.getOrDefault(p, List.of()), killedAt, Double.MAX_VALUE));
            }
            assertThat(seen).as("every event scored").hasSize(EVENTS);
            assertThat(seen.values()).as("each exactly once").containsOnly(1);
            assertThat(workers.get(3).timeline()).as("the new worker took over partitions")
                    .anyMatch(s -> s.matches(".*partitions \\[\\d.*"));
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The longest time between consecutive committed results in [from, to) (the gap from {@code from} included). */
    private static double longestGap(List<Double> times, double from, double to) {
        double last = from;
        double longest = 0;
        for (double t : times) {
            if (t >= from && t < to) {
                longest = Math.max(longest, t - last);
                last = t;
            }
        }
        return longest;
    }

    private static Worker start(EmbeddedKafka kafka, String name, long t0) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-Dai.djl.offline=true",
                StreamWorkerProcess.class.getName(), kafka.bootstrapServers(), RegistryServer.shared().url(),
                "onnx-models/mnist-ddpm", "200", TRANSACTION_TIMEOUT_MS, SESSION_TIMEOUT_MS);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        Thread t = new Thread(() -> new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                .lines().filter(l -> l.startsWith("partitions") || l.equals("running"))
                .forEach(l -> timeline.add(String.format("%.1f s %s", seconds(t0), l))), "worker-" + name);
        t.setDaemon(true);
        t.start();
        return new Worker(name, p, timeline);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafka kafka) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "check-" + System.nanoTime(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
