package org.difflabel.policy;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.contracts.TriagePolicySpec;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.BadPayloadException;
import org.difflabel.registry.RegistryClient;
import org.difflabel.replay.TopicReader;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/** Reads and writes {@code labeler.policy} for the tools ({@code policy}, {@code calibrate --publish}); the worker follows it with {@link LivePolicy}. */
public final class PolicyTopic {
    private final Map<String, Object> clientSettings;
    private final RegistryClient registry;
    private final String topic;

    /** The version in force: the newest valid record, and how many records after it were refused. */
    public record InForce(TriagePolicySpec spec, long refusedSince) {
    }

    public PolicyTopic(Map<String, Object> clientSettings, RegistryClient registry, String topic) {
        this.clientSettings = clientSettings;
        this.registry = registry;
        this.topic = topic;
    }

    /** The version the workers apply now (what {@link LivePolicy} would), or empty when the topic has none. */
    public Optional<InForce> inForce() {
        var specs = new AvroWireDeserializer<>(registry, TriagePolicySpec.class);
        TriagePolicySpec[] newest = {null};
        long[] refused = {0};
        TopicReader.readAll(clientSettings, topic, r -> {
            try {
                TriagePolicySpec s = r.value() == null ? null : specs.deserialize(topic, r.value());
                if (s != null) {
                    PolicySpecs.fromSpec(s);
                    newest[0] = s;
                    refused[0] = 0;
                }
            } catch (BadPayloadException | InvalidPolicyException e) {
                refused[0]++;
            }
        });
        return Optional.ofNullable(newest[0]).map(s -> new InForce(s, refused[0]));
    }

    /**
     * Validates {@code spec} and writes it; it is in force at every worker once they read it.
     *
     * @throws InvalidPolicyException when it does not validate (nothing is written)
     */
    public void publish(TriagePolicySpec spec) throws InterruptedException {
        PolicySpecs.fromSpec(spec);
        Map<String, Object> p = new HashMap<>(clientSettings);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, LivePolicy.KEY.getBytes(StandardCharsets.UTF_8),
                    AvroWireSerializer.forValues(registry, TriagePolicySpec.class).serialize(topic, spec))).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not write the policy to " + topic + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }
}
