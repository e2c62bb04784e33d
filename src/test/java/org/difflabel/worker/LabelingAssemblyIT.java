package org.difflabel.worker;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.RoutingDecision;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.Role;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.TestConfig;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Every documented model setting reaches the worker's topology through the one assembly. */
class LabelingAssemblyIT {
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    @Test
    void configuredStagesAndTemperatureChangeTheWorkersOutput() throws Exception {
        LabelPosterior defaults = scoreOne(Map.of());
        LabelPosterior configured = scoreOne(Map.of("labeler.model.stages", "4", "labeler.model.temperature", "0.5"));

        // default: the model's stages 16:3,64:1 = 10 x 16 + 3 x 48 evaluations, the calibrated temperature
        assertThat(defaults.getEvaluations()).isEqualTo(304);
        assertThat(defaults.getTemperature()).isLessThan(0.01);
        // configured: a flat 4 samples per label, T = 0.5 (near uniform with this model's error scale)
        assertThat(configured.getEvaluations()).isEqualTo(40);
        assertThat(configured.getTemperature()).isEqualTo(0.5);
        assertThat(configured.getConfidence()).isLessThan(defaults.getConfidence());
    }

    @Test
    void anEvaluationBudgetStopsTheClassifierAndSendsTheResultToReview() throws Exception {
        LabelPosterior limited = scoreOne(Map.of("labeler.model.stages", "16:3,64:1", "labeler.model.max-evaluations", "100"));
        LabelPosterior planned = scoreOne(Map.of("labeler.model.stages", "16:3,64:1"));

        assertThat(planned.getBudgetLimited()).isFalse();
        assertThat(limited.getBudgetLimited()).isTrue();
        assertThat(limited.getEvaluations()).isLessThanOrEqualTo(100);
        assertThat(limited.getDecision()).isEqualTo(RoutingDecision.REVIEW);
        assertThat(limited.getDecisionReason()).contains("stopped by the evaluation budget");
    }

    @Test
    void aSequentialPlanIsConfigurable() throws Exception {
        LabelPosterior sequential = scoreOne(Map.of("labeler.model.stages", "sequential:block=4,min=4,max=64,level=0.01"));
        // an easy sample digit: decided long before 64 samples for every label
        assertThat(sequential.getEvaluations()).isLessThan(304);
        assertThat(sequential.getBudgetLimited()).isFalse();
    }

    @Test
    void challengerAndRescoreRunsGetApplicationIdsOfTheirOwnPerModelVersion() {
        LabelerConfig config = TestConfig.labeler(Map.of("labeler.worker.role", "challenger"));
        assertThat(config.worker().role()).isEqualTo(Role.CHALLENGER);
        try (LabelModel m = LabelModel.load(Path.of("onnx-models/mnist-ddpm"), config.modelOptions(1))) {
            LabelingAssembly a = LabelingAssembly.of(config, m, "unused:9092", null);
            assertThat(a.applicationId()).isEqualTo("diffusion-labeler-challenger-mnist-ddpm-1.0.0");
            assertThat(a.rescore(null).applicationId()).isEqualTo("diffusion-labeler-rescore-mnist-ddpm-1.0.0");
            assertThat(LabelingAssembly.of(TestConfig.labeler(Map.of()), m, "unused:9092", null).applicationId())
                    .isEqualTo("diffusion-labeler");
        }
    }

    private static LabelPosterior scoreOne(Map<String, String> settings) throws Exception {
        LabelerConfig config = TestConfig.labeler(settings);
        RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        LabelingTopics topics = LabelingTopics.DEFAULTS.prefixed(UUID.randomUUID().toString().substring(0, 8) + ".");
        byte[] image;
        try (var s = Files.list(Path.of("onnx-models/mnist-ddpm/samples"))) {
            image = Files.readAllBytes(s.sorted().findFirst().orElseThrow());
        }
        try (LabelModel m = LabelModel.load(Path.of(config.model().path()), config.modelOptions(1))) {
            LabelingAssembly assembly = LabelingAssembly.of(config, m, "unused:9092", registry).withTopics(topics);
            Properties p = new Properties();
            p.putAll(assembly.settings().toProperties());
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
            try (TopologyTestDriver driver = new TopologyTestDriver(assembly.topology(LabelingMetrics.none()), p)) {
                ImageEvent e = ImageEvent.newBuilder().setEventId("one").setImage(ByteBuffer.wrap(image))
                        .setContentType("image/png").setLabels(DIGITS).setPromptTemplate(null).setLabelPriors(null)
                        .setMetadata(Map.of()).setProducedAt(Instant.now()).build();
                driver.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer())
                        .pipeInput("one".getBytes(), AvroWireSerializer.forValues(registry, ImageEvent.class)
                                .serialize(topics.input(), e));
                byte[] out = driver.createOutputTopic(topics.scored(), new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()).readValue();
                return new AvroWireDeserializer<>(registry, LabelPosterior.class).deserialize(topics.scored(), out);
            }
        }
    }
}
