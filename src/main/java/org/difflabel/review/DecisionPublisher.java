package org.difflabel.review;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistryUnavailableException;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes reviewers' decisions to Kafka: each batch in one transaction, its {@code ReviewedLabel}s
 * to {@code labels.reviewed} and the human labels to {@code labels.accepted}, both keyed by event
 * id. {@link #publish} returns only after the transaction committed, so a caller may call a
 * decision saved exactly then; when it throws, nothing of the batch is visible to read_committed
 * readers and the caller keeps the decisions for a retry. Calls are serialised: one producer has
 * one transaction at a time.
 */
public final class DecisionPublisher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DecisionPublisher.class);

    /** One decision ready to publish: the task as the reviewer saw it and the record of the decision. */
    public record Reviewed(ReviewTask task, ReviewedLabel label) {
    }

    private final Map<String, Object> settings;
    private final String reviewedTopic;
    private final String acceptedTopic;
    private final AvroWireSerializer<ReviewedLabel> reviewedSerializer;
    private final AvroWireSerializer<LabelPosterior> acceptedSerializer;
    private KafkaProducer<byte[], byte[]> producer;

    /**
     * @param clientSettings the cluster's client settings (bootstrap servers, security)
     * @param idPrefix       prefix of the transactional id (the id gets a random suffix: the publisher
     *                       reads nothing, so it needs no fencing of earlier instances)
     * @param timeout        how long a publish may wait for the cluster before it fails
     */
    public DecisionPublisher(Map<String, Object> clientSettings, String idPrefix, String reviewedTopic, String acceptedTopic,
                             RegistryClient registry, Duration timeout) {
        this.settings = new HashMap<>(clientSettings);
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, idPrefix + "-" + UUID.randomUUID());
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        int ms = (int) Math.max(1000, timeout.toMillis());
        // a reviewer waits for the answer: fail within the timeout instead of Kafka's minutes
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ms);
        settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(500, ms / 2));
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ms);
        settings.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.reviewedTopic = reviewedTopic;
        this.acceptedTopic = acceptedTopic;
        this.reviewedSerializer = AvroWireSerializer.forValues(registry, ReviewedLabel.class);
        this.acceptedSerializer = AvroWireSerializer.forValues(registry, LabelPosterior.class);
    }

    /**
     * Publishes {@code batch} in one transaction and returns once it committed.
     *
     * @throws DecisionsNotSavedException when the cluster or the registry is unreachable or refuses;
     *                                    nothing of the batch was committed
     */
    public synchronized void publish(List<Reviewed> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            // serialise first: a registry outage then fails before a transaction is opened
            List<ProducerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
            for (Reviewed r : batch) {
                byte[] key = r.label().getEventId().getBytes(StandardCharsets.UTF_8);
                records.add(new ProducerRecord<>(reviewedTopic, key, reviewedSerializer.serialize(reviewedTopic, r.label())));
                ReviewRecords.accepted(r.task(), r.label()).ifPresent(p -> records.add(
                        new ProducerRecord<>(acceptedTopic, key, acceptedSerializer.serialize(acceptedTopic, p))));
            }
            KafkaProducer<byte[], byte[]> p = producer();
            p.beginTransaction();
            try {
                for (ProducerRecord<byte[], byte[]> record : records) {
                    p.send(record);
                }
                p.commitTransaction();
            } catch (KafkaException | IllegalStateException e) {
                // IllegalStateException: a timed-out commit leaves the producer refusing everything but a retry
                discard(p);
                throw new DecisionsNotSavedException("Kafka is unreachable: " + e.getMessage(), e);
            }
        } catch (RegistryUnavailableException e) {
            throw new DecisionsNotSavedException("the schema registry is unreachable: " + e.getMessage(), e);
        } catch (AuthenticationException | AuthorizationException e) {
            throw new DecisionsNotSavedException("Kafka refused the review service's credentials: " + e.getMessage(), e);
        } catch (KafkaException e) {
            throw new DecisionsNotSavedException("Kafka is unreachable: " + e.getMessage(), e);
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer());
            try {
                p.initTransactions();
            } catch (KafkaException e) {
                p.close(Duration.ZERO);
                throw e;
            }
            producer = p;
        }
        return producer;
    }

    /**
     * Drops the producer after a failed transaction: a timed-out commit or abort leaves a producer
     * that refuses further transactions, and nothing of the batch is visible to read_committed readers
     * (the broker aborts the open transaction when it times out). The next publish starts a new one.
     */
    private void discard(KafkaProducer<byte[], byte[]> p) {
        try {
            p.abortTransaction();
        } catch (RuntimeException e) {
            LOG.debugf("abort after a failed publish failed too (%s)", e.getMessage());
        }
        p.close(Duration.ZERO);
        producer = null;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
