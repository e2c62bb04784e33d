package org.difflabel.testsupport;

import org.apache.kafka.streams.KafkaStreams;
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
import java.util.concurrent.CountDownLatch;

/**
 * The worker's topology in a JVM of its own, so a test can kill it (SIGKILL) while the broker,
 * in the test's JVM, lives on. Args: bootstrap servers, registry URL, model folder, commit
 * interval (ms). Prints "running" once Kafka Streams is RUNNING.
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
        StreamSettings settings = new StreamSettings("crash-test-worker", args[0], 1, 1, 300_000, 60_000,
                Integer.parseInt(args[3]), Map.of());
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
        Thread.sleep(Long.MAX_VALUE);
    }
}
