package org.difflabel.stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.replay.TopicReader;
import org.difflabel.testsupport.BrokerProcess;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.SampleEvents;
import org.difflabel.testsupport.TestConfig;
import org.difflabel.worker.LabelingAssembly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker restarts under a running worker: the broker is a process of its own with its data on
 * disk; mid-stream it is stopped for a while and started again on the same data and ports. The
 * worker rides it out (it is still running afterwards, nothing was restarted by hand) and every
 * event is scored exactly once.
 */
class BrokerRestartIT {
    private static final int EVENTS = 40;

    @TempDir
    Path dir;

    @Test
    void theWorkerRidesOutABrokerRestartAndScoresEveryEventOnce() throws Exception {
        RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        LabelingTopics topics = LabelingTopics.DEFAULTS;
        try (BrokerProcess broker = BrokerProcess.start(dir);
             Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(topics.outputs(Role.CHAMPION).stream().map(t -> new NewTopic(t, 2, (short) 1)).toList())
                    .all().get();
            admin.createTopics(List.of(new NewTopic(topics.input(), 2, (short) 1))).all().get();
            SampleEvents.produce(broker.bootstrapServers(), registry, topics.input(), EVENTS, 0);

            LabelerConfig config = TestConfig.labeler(Map.of("labeler.worker.commit-interval-ms", "200",
                    "labeler.worker.stream-threads", "1", "labeler.model.intra-op-threads", "1"));
            try (LabelModel model = LabelModel.load(Path.of("onnx-models/mnist-ddpm"), config.modelOptions(1));
                 KafkaStreams streams = LabelingAssembly.of(config, model, broker.bootstrapServers(), registry)
                         .streams(LabelingMetrics.none())) {
                streams.start();
                await(() -> scored(broker, registry, topics).size() >= 8, Duration.ofMinutes(3));

                broker.stop(); // mid-stream: the broker goes away ...
                Thread.sleep(8000);
                broker.start(); // ... and comes back on the same data and ports

                await(() -> scored(broker, registry, topics).size() >= EVENTS, Duration.ofMinutes(4));
                Thread.sleep(2000); // room for a duplicate to show
                Map<String, Integer> seen = new HashMap<>();
                scored(broker, registry, topics).forEach(p -> seen.merge(p.getEventId(), 1, Integer::sum));
                assertThat(seen).hasSize(EVENTS);
                assertThat(seen.values()).as("each event exactly once").containsOnly(1);
                assertThat(streams.state()).as("the worker rode it out").isEqualTo(KafkaStreams.State.RUNNING);
            }
        }
    }

    private static List<LabelPosterior> scored(BrokerProcess broker, RegistryClient registry, LabelingTopics topics) {
        var d = new AvroWireDeserializer<>(registry, LabelPosterior.class);
        List<LabelPosterior> out = new ArrayList<>();
        TopicReader.readAll(Map.of("bootstrap.servers", broker.bootstrapServers()), topics.scored(),
                r -> out.add(d.deserialize(r.topic(), r.value())));
        return out;
    }

    private static void await(java.util.function.BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done after " + timeout);
            }
            Thread.sleep(500);
        }
    }

}
