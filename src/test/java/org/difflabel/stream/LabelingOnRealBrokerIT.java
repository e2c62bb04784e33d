package org.difflabel.stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topology under exactly-once on a real broker with a real registry and the real model: N
 * events and some poison records in; exactly N posteriors out, each routed once, every poison
 * record in the dead-letter queue, all read with read_committed. Here: the in-process KRaft
 * broker and Apicurio; {@link ConfluentStackWorkerIT}: Confluent's containers.
 */
class LabelingOnRealBrokerIT {
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    @Test
    void everyEventIsScoredOnceAndPoisonGoesToTheDeadLetterQueue() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            roundTrip(kafka.bootstrapServers(), RegistryServer.shared().url());
        }
    }

    static void roundTrip(String bootstrap, String registryUrl) throws Exception {
        LabelingTopics topics = LabelingTopics.DEFAULTS;
        RegistryClient registry = new RegistryClient(RegistrySettings.of(registryUrl));
        List<byte[]> images = new ArrayList<>();
        try (var s = Files.list(Path.of("onnx-models/mnist-ddpm/samples"))) {
            for (Path p : s.sorted().toList()) {
                images.add(Files.readAllBytes(p));
            }
        }
        try (LabelModel model = LabelModel.load(Path.of("onnx-models/mnist-ddpm"),
                     ModelOptions.defaults().withBatchSize(128))) {
            EmbeddedKafka.createTopics(bootstrap, List.of(topics.input(), topics.scored(), topics.accepted(), topics.review(), topics.dlq()), 2);
            TriagePolicy policy = new TriagePolicy("v1", new TriagePolicy.Thresholds(0.9, 0.5, null), Map.of());
            var topology = LabelingTopology.champion(topics, Scoring.defaults(model),
                    new FailurePolicy(3), policy, registry, LabelingMetrics.none());
            StreamSettings settings = new StreamSettings("labeler-test", bootstrap, 1, 1, 300_000, 60_000, 100, Map.of());

            int n = 24;
            AvroWireSerializer<ImageEvent> events = AvroWireSerializer.forValues(registry, ImageEvent.class);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                    bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < n; i++) {
                    ImageEvent e = ImageEvent.newBuilder().setEventId("event-" + i)
                            .setImage(ByteBuffer.wrap(images.get(i % images.size()))).setContentType("image/png")
                            .setLabels(DIGITS).setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of())
                            .setProducedAt(Instant.now()).build();
                    producer.send(new ProducerRecord<>(topics.input(), ("event-" + i).getBytes(),
                            events.serialize(topics.input(), e)));
                    if (i % 8 == 3) {
                        producer.send(new ProducerRecord<>(topics.input(), "poison".getBytes(), "not avro".getBytes()));
                    }
                }
            }
            try (KafkaStreams streams = new KafkaStreams(topology, settings.toProperties())) {
                streams.start();
                List<byte[]> scored = consume(bootstrap, topics.scored(), n);
                List<byte[]> accepted = consume(bootstrap, topics.accepted(), 0);
                List<byte[]> review = consume(bootstrap, topics.review(), 0);
                List<byte[]> dlq = consume(bootstrap, topics.dlq(), 3);

                AvroWireDeserializer<LabelPosterior> posteriors = new AvroWireDeserializer<>(registry, LabelPosterior.class);
                Set<String> ids = new HashSet<>();
                int acceptedCount = 0;
                for (byte[] v : scored) {
                    LabelPosterior p = posteriors.deserialize(topics.scored(), v);
                    ids.add(p.getEventId());
                    acceptedCount += p.getDecision() == org.difflabel.contracts.RoutingDecision.ACCEPTED ? 1 : 0;
                }
                assertThat(scored).hasSize(n);
                assertThat(ids).hasSize(n);
                assertThat(accepted.size() + review.size()).isEqualTo(n);
                assertThat(accepted).hasSize(acceptedCount);
                AvroWireDeserializer<DeadLetter> dead = new AvroWireDeserializer<>(registry, DeadLetter.class);
                assertThat(dlq).hasSize(3).allSatisfy(v -> assertThat(dead.deserialize(topics.dlq(), v).getErrorCode())
                        .isEqualTo(ErrorCode.WRONG_MAGIC_BYTE));
                assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
            }
        }
    }

    /** Reads a topic with read_committed until {@code expected} records arrived, then 2 s more to catch extras. */
    private static List<byte[]> consume(String bootstrap, String topic, int expected) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
                if (out.size() >= expected && settle == Long.MAX_VALUE) {
                    settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                }
            }
        }
        return out;
    }
}
