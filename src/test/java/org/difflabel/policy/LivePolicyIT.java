package org.difflabel.policy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.RoutingDecision;
import org.difflabel.contracts.TriagePolicySpec;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.replay.TopicReader;
import org.difflabel.stream.ActivePolicy;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.SampleEvents;
import org.difflabel.testsupport.TestConfig;
import org.difflabel.worker.LabelingAssembly;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live policy on a real broker: the worker seeds labeler.policy from its configuration, then a
 * new version published while it runs applies to the next records (thresholds and temperature)
 * without a restart; a record that does not decode and one that does not validate are refused and
 * counted, the version before them staying in force; no record is labelled twice or lost.
 */
class LivePolicyIT {
    @Test
    void aNewVersionAppliesToTheNextRecordsAndBadVersionsAreRefused() throws Exception {
        // a flat 4 samples per label (fast); version 1 accepts everything
        LabelerConfig config = TestConfig.labeler(Map.of("labeler.model.stages", "4", "labeler.policy.version", "1",
                "labeler.policy.min-confidence", "0", "labeler.policy.min-margin", "0"));
        RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        LabelingTopics topics = LabelingTopics.DEFAULTS.prefixed("live-policy.");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
             LabelModel model = LabelModel.load(Path.of(config.model().path()), config.modelOptions(1))) {
            Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
            LabelingAssembly run = LabelingAssembly.of(config, model, kafka.bootstrapServers(), registry)
                    .withTopics(topics).withStreamThreads(1).prepareTopics(true, true);
            try (LivePolicy live = new LivePolicy(client, registry, topics.policy(), ActivePolicy.of(run.policy()), meters)
                    .start(Duration.ofSeconds(30))) {
                assertThat(live.get().version()).isEqualTo("1");
                assertThat(policies(kafka, registry, topics)).extracting(TriagePolicySpec::getVersion).containsExactly("1");
                KafkaStreams streams = run.withLivePolicy(live).streams(LabelingMetrics.none());
                streams.start();
                try {
                    SampleEvents.produce(kafka.bootstrapServers(), registry, topics.input(), 0, 3, 0);
                    awaitScored(kafka, registry, topics, 3);

                    // version 2: the temperature for this model raised to 0.5 (near uniform) and confidence 0.9 required
                    TriagePolicySpec v2 = PolicySpecs.toSpec(new ActivePolicy(
                                    new org.difflabel.stream.TriagePolicy("2",
                                            new org.difflabel.stream.TriagePolicy.Thresholds(0.9, 0.0, null), Map.of()),
                                    Map.of("mnist-ddpm:1.0.0", 0.5)), "test", "stricter", Instant.now());
                    TriagePolicySpec invalid = TriagePolicySpec.newBuilder(v2).setVersion("3").setMinConfidence(1.5).build();
                    AvroWireSerializer<TriagePolicySpec> specs = AvroWireSerializer.forValues(registry, TriagePolicySpec.class);
                    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(client, new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                        byte[] key = LivePolicy.KEY.getBytes();
                        p.send(new ProducerRecord<>(topics.policy(), key, specs.serialize(topics.policy(), v2))).get();
                        p.send(new ProducerRecord<>(topics.policy(), key, "not a policy".getBytes())).get();
                        p.send(new ProducerRecord<>(topics.policy(), key, specs.serialize(topics.policy(), invalid))).get();
                    }
                    await(() -> live.rejected() == 2, "two refused versions");
                    assertThat(live.get().version()).as("the last valid version stays in force").isEqualTo("2");
                    assertThat(meters.get("labeler.policy.rejected").counter().count()).isEqualTo(2.0);

                    SampleEvents.produce(kafka.bootstrapServers(), registry, topics.input(), 3, 3, 0);
                    Map<String, List<LabelPosterior>> scored = awaitScored(kafka, registry, topics, 6);
                    assertThat(scored.values()).allSatisfy(rs -> assertThat(rs).as("each event once").hasSize(1));
                    for (int i = 0; i < 6; i++) {
                        LabelPosterior r = scored.get("event-" + i).get(0);
                        if (i < 3) {
                            assertThat(r.getPolicyVersion()).isEqualTo("1");
                            assertThat(r.getDecision()).isEqualTo(RoutingDecision.ACCEPTED);
                            assertThat(r.getTemperature()).isLessThan(0.01);
                        } else {
                            assertThat(r.getPolicyVersion()).isEqualTo("2");
                            assertThat(r.getTemperature()).isEqualTo(0.5);
                            assertThat(r.getConfidence()).isLessThan(0.9);
                            assertThat(r.getDecision()).isEqualTo(RoutingDecision.REVIEW);
                        }
                    }
                    assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
                } finally {
                    streams.close(Duration.ofSeconds(30));
                }
            }
        }
    }

    private static List<TriagePolicySpec> policies(EmbeddedKafka kafka, RegistryClient registry, LabelingTopics topics) {
        var d = new AvroWireDeserializer<>(registry, TriagePolicySpec.class);
        List<TriagePolicySpec> out = new ArrayList<>();
        TopicReader.readAll(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics.policy(),
                r -> out.add(d.deserialize(topics.policy(), r.value())));
        return out;
    }

    private static Map<String, List<LabelPosterior>> awaitScored(EmbeddedKafka kafka, RegistryClient registry,
                                                                 LabelingTopics topics, int n) {
        var d = new AvroWireDeserializer<>(registry, LabelPosterior.class);
        Map<String, List<LabelPosterior>> out = new HashMap<>();
        await(() -> {
            out.clear();
            TopicReader.readAll(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics.scored(),
                    r -> out.computeIfAbsent(new String(r.key()), k -> new ArrayList<>()).add(d.deserialize(topics.scored(),
                            r.value())));
            return out.values().stream().mapToInt(List::size).sum() >= n;
        }, n + " results on " + topics.scored());
        return out;
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
