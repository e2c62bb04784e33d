package org.difflabel.policy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.difflabel.contracts.TriagePolicySpec;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.BadPayloadException;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistryUnavailableException;
import org.difflabel.stream.ActivePolicy;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The triage policy in force, followed live from the compacted topic {@code labeler.policy}: a
 * thread reads every version as it is written and the labelling processor asks {@link #get()} once
 * per record, so a new version applies to the next record without a restart. A version that does
 * not decode or validate is refused with an error log and {@code labeler_policy_rejected_total}; the
 * previous one stays in force. When the topic is empty the configured policy is written to it first
 * (the configuration seeds it; afterwards the topic is the source of truth).
 */
public final class LivePolicy implements Supplier<ActivePolicy>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LivePolicy.class);
    /** Every record has this key: compaction keeps the newest version only. */
    public static final String KEY = "policy";

    private final Map<String, Object> clientSettings;
    private final RegistryClient registry;
    private final String topic;
    private final AtomicReference<ActivePolicy> current;
    private final Counter rejected;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running = true;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread follower;

    public LivePolicy(Map<String, Object> clientSettings, RegistryClient registry, String topic, ActivePolicy configured,
                      MeterRegistry meters) {
        this.clientSettings = new HashMap<>(clientSettings);
        this.registry = registry;
        this.topic = topic;
        this.current = new AtomicReference<>(configured);
        this.rejected = Counter.builder("labeler.policy.rejected")
                .description("policy versions on the policy topic that were refused (undecodable or invalid)")
                .register(meters);
    }

    /** Seeds an empty topic, starts following it and waits (up to {@code timeout}) until what was on it at start is read. */
    public LivePolicy start(Duration timeout) throws InterruptedException {
        Map<String, Object> c = new HashMap<>(clientSettings);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        if (partitions.isEmpty()) {
            throw new IllegalStateException("the policy topic " + topic + " does not exist");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
        if (partitions.stream().allMatch(tp -> end.get(tp).equals(begin.get(tp)))) {
            seed();
            end.putAll(consumer.endOffsets(partitions));
        }
        follower = new Thread(() -> follow(end), "policy-follower");
        follower.setDaemon(true);
        follower.start();
        if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warnf("policy: %s not read to its end within %s; starting with policy %s", topic, timeout,
                    current.get().version());
        }
        return this;
    }

    @Override
    public ActivePolicy get() {
        return current.get();
    }

    /** Policy versions refused so far. */
    public long rejected() {
        return (long) rejected.count();
    }

    private void seed() throws InterruptedException {
        ActivePolicy configured = current.get();
        try {
            new PolicyTopic(clientSettings, registry, topic).publish(PolicySpecs.toSpec(configured, "configuration",
                    "seeded from labeler.policy.*", Instant.now()));
            LOG.infof("policy: %s was empty; seeded it with the configured policy %s", topic, configured.version());
        } catch (RuntimeException e) {
            // another instance may have seeded it at the same moment: either way the follower reads what is there
            LOG.warnf("policy: could not seed %s (%s); following it as it is", topic, e.getMessage());
        }
    }

    private void follow(Map<TopicPartition, Long> end) {
        AvroWireDeserializer<TriagePolicySpec> specs = new AvroWireDeserializer<>(registry, TriagePolicySpec.class);
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    apply(r, specs);
                }
                if (caughtUp.getCount() > 0 && end.entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    LOG.infof("policy: %s in force (from %s)", current.get().version(), topic);
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.errorf(e, "policy: stopped following %s; policy %s stays in force until a restart", topic,
                    current.get().version());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r, AvroWireDeserializer<TriagePolicySpec> specs) {
        String at = r.topic() + "-" + r.partition() + "@" + r.offset();
        if (r.value() == null) {
            LOG.warnf("policy: ignoring a tombstone at %s (a policy cannot be deleted, only replaced)", at);
            return;
        }
        while (running) {
            try {
                ActivePolicy next = PolicySpecs.fromSpec(specs.deserialize(r.topic(), r.value()));
                ActivePolicy before = current.getAndSet(next);
                if (!before.equals(next) || caughtUp.getCount() == 0) {
                    LOG.infof("policy: version %s in force from %s (was %s)", next.version(), at, before.version());
                }
                return;
            } catch (BadPayloadException | InvalidPolicyException e) {
                rejected.increment();
                LOG.errorf("policy: refused the record at %s (%s); policy %s stays in force", at, e.getMessage(),
                        current.get().version());
                return;
            } catch (RegistryUnavailableException e) {
                // the record may be fine: try it again rather than skip a policy
                LOG.warnf("policy: schema registry unreachable reading %s; retrying", at);
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (follower != null) {
            try {
                follower.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
