package org.difflabel.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client written by others (Node: kafkajs + @kafkajs/confluent-schema-registry, interop/) sends
 * image events to the worker on a real broker and reads its posteriors back.
 */
class NodeClientWorkerIT {

    @Test
    void nodeClientGetsAPosteriorForEveryEventItSends() throws Exception {
        LabelingTopics topics = LabelingTopics.DEFAULTS;
        RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        List<String> pngs = new ArrayList<>();
        try (var s = Files.list(Path.of("onnx-models/mnist-ddpm/samples"))) {
            s.sorted().limit(4).forEach(p -> pngs.add(p.toString()));
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
             LabelModel model = LabelModel.load(Path.of("onnx-models/mnist-ddpm"), ModelOptions.defaults())) {
            kafka.createTopics(List.of(topics.input(), topics.scored(), topics.accepted(), topics.review(), topics.dlq()), 1);
            TriagePolicy policy = new TriagePolicy("node", new TriagePolicy.Thresholds(0.9, 0.5, null), Map.of());
            var topology = LabelingTopology.champion(topics, Scoring.defaults(model),
                    new FailurePolicy(3), policy, registry, LabelingMetrics.none());
            StreamSettings settings = new StreamSettings("node-test", kafka.bootstrapServers(), 1, 1, 300_000, 60_000, 100, Map.of());
            // the subject already exists, as on a platform where producers registered it (Node then looks it up)
            registry.register(topics.input() + "-value", org.difflabel.contracts.ImageEvent.getClassSchema());
            try (KafkaStreams streams = new KafkaStreams(topology, settings.toProperties())) {
                streams.start();
                List<String> cmd = new ArrayList<>(List.of("node", "interop/worker-client.js", kafka.bootstrapServers(),
                        RegistryServer.shared().url(), topics.input(), topics.scored(), "0,1,2,3,4,5,6,7,8,9"));
                cmd.addAll(pngs);
                Process node = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(node.waitFor(180, TimeUnit.SECONDS)).isTrue();
                assertThat(node.exitValue()).as(out).isZero();
                List<JsonNode> results = new ArrayList<>();
                for (String line : out.strip().split("\n")) {
                    results.add(new ObjectMapper().readTree(line));
                }
                assertThat(results).hasSize(pngs.size());
                for (JsonNode r : results) {
                    assertThat(r.get("eventId").asText()).startsWith("node-digit-");
                    assertThat(r.get("metadata").get("client").asText()).isEqualTo("kafkajs");
                    assertThat(r.get("decision").asText()).isIn("ACCEPTED", "REVIEW");
                }
            }
        }
    }
}
