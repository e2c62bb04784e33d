package org.difflabel.review;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.charset.StandardCharsets;

/**
 * The review queue, materialised from Kafka: {@code labels.review} minus {@code labels.reviewed}.
 * Two stores, both keyed by event id and holding the records' wire bytes as they are on the topics:
 * {@link #PENDING} (tasks without a decision) and {@link #DECIDED} (the newest decision per event).
 * Both are in memory and changelogged, so a restarted instance rebuilds them from Kafka; no second
 * database. A decision that arrives before its task (an import, a dataset label) keeps the task
 * out of the queue. Both topics are keyed by event id and must have the same partition count, so
 * an event's task and decision meet in the same task of this topology ({@code ReviewService} checks).
 */
public final class ReviewQueueTopology {
    public static final String PENDING = "review-pending";
    public static final String DECIDED = "review-decided";

    private ReviewQueueTopology() {
    }

    public static Topology build(String reviewTopic, String reviewedTopic) {
        Topology t = new Topology();
        t.addSource("tasks", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), reviewTopic);
        t.addSource("decisions", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), reviewedTopic);
        t.addProcessor("task", () -> new Apply(false), "tasks");
        t.addProcessor("decision", () -> new Apply(true), "decisions");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PENDING), Serdes.String(),
                Serdes.ByteArray()), "task", "decision");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DECIDED), Serdes.String(),
                Serdes.ByteArray()), "task", "decision");
        return t;
    }

    /** Applies a task or a decision to the stores. Bad bytes are kept as they are: the queue skips what it cannot read. */
    private static final class Apply implements Processor<byte[], byte[], Void, Void> {
        private final boolean decision;
        private KeyValueStore<String, byte[]> pending;
        private KeyValueStore<String, byte[]> decided;

        Apply(boolean decision) {
            this.decision = decision;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            pending = context.getStateStore(PENDING);
            decided = context.getStateStore(DECIDED);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (record.key() == null) {
                return; // every producer of these topics keys by event id; an unkeyed record names no event
            }
            String eventId = new String(record.key(), StandardCharsets.UTF_8);
            if (decision) {
                if (record.value() == null) {
                    decided.delete(eventId);
                } else {
                    decided.put(eventId, record.value());
                    pending.delete(eventId);
                }
            } else if (record.value() == null) {
                pending.delete(eventId);
            } else if (decided.get(eventId) == null) {
                pending.put(eventId, record.value());
            }
        }
    }
}
