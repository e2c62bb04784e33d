package org.difflabel.testsupport;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.stream.FailurePolicy;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.LabelingTopology;
import org.difflabel.stream.Scoring;
import org.difflabel.stream.StreamSettings;
import org.difflabel.stream.TriagePolicy;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;

/**
 * The worker's topology in a JVM of its own, so a test can kill it (SIGKILL) while the broker,
 * in the test's JVM, lives on. Args: bootstrap servers, registry URL, model folder, commit
 * interval (ms), and optionally the transaction timeout and consumer session timeout (ms). Prints
 * "running" once Kafka Streams is RUNNING, then "partitions [..]" each time the input partitions
 * it owns change.
 */
public final class StreamWorkerProcess {
    private StreamWorkerProcess() {
    }

    public static void main(String[] args) throws Exception {
        LabelingTopics topics = LabelingTopics.DEFAULTS;
        RegistryClient registry = new RegistryClient(RegistrySettings.of(args[1]));
        LabelModel model = LabelModel.load(Path.of(args[2]), ModelOptions.defaults().withIntraOpThreads(1));
        TriagePolicy policy = new TriagePolicy("crash-test", new TriagePolicy.Thresholds(0.9, 0.5, null), Map.of());
        var topology = LabelingTopology.champion(topics, Scoring.defaults(model), new FailurePolicy(3), policy, registry,
                LabelingMetrics.none());
        int transactionTimeout = args.length > 4 ? Integer.parseInt(args[4]) : 60_000;
        Map<String, String> extra = args.length > 5 ? Map.of("session.timeout.ms", args[5]) : Map.of();
        StreamSettings settings = new StreamSettings("crash-test-worker", args[0], 1, 1, 300_000, transactionTimeout,
                Integer.parseInt(args[3]), extra);
        KafkaStreams streams = new KafkaStreams(topology, settings.toProperties());
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
        running.await();
        System.out.println("running");
        System.out.flush();
        String owned = "";
        while (true) {
            TreeSet<Integer> partitions = new TreeSet<>();
            streams.metadataForLocalThreads().forEach(t -> t.activeTasks().stream().map(TaskMetadata::topicPartitions)
                    .forEach(tps -> tps.forEach(tp -> partitions.add(tp.partition()))));
            String now = partitions.toString();
            if (!now.equals(owned)) {
                System.out.println("partitions " + now);
                System.out.flush();
                owned = now;
            }
            Thread.sleep(200);
        }
    }
}
