package org.difflabel.replay;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * Turns a re-score's time window into offsets per partition, once, when the run starts: the start
 * is the first offset at or after {@code from} (or the oldest retained one), the end the first at
 * or after {@code to} (or the end of the partition now). Also reads what a dry run shows: the first
 * and last record of each partition's window with their times, and the oldest record still held.
 */
public final class WindowResolver {
    private static final Duration POLL = Duration.ofSeconds(10);

    private WindowResolver() {
    }

    /** One partition: its window, the records at its ends, and the oldest record retained. */
    public record Partition(int partition, ReplayWindow.Bounds bounds, Instant firstTime, Instant lastTime,
                            long logStart, Instant oldestRetained) {
    }

    /** The resolved window with the per-partition details. */
    public record Resolved(String topic, ReplayWindow window, List<Partition> partitions) {
        /** The oldest record the topic still holds (null when empty). */
        public Instant oldestRetained() {
            return partitions.stream().map(Partition::oldestRetained).filter(t -> t != null).min(Instant::compareTo)
                    .orElse(null);
        }

        /** Whether retention (or a delete) has removed records from the start of any partition. */
        public boolean retentionRemovedRecords() {
            return partitions.stream().anyMatch(p -> p.logStart() > 0);
        }
    }

    /** Thrown for a topic that does not exist. */
    public static final class UnknownTopicException extends RuntimeException {
        public UnknownTopicException(String topic) {
            super("topic '" + topic + "' does not exist");
        }
    }

    /**
     * @param from null: from the oldest retained record
     * @param to   null: up to the end of each partition now
     */
    public static Resolved resolve(Admin admin, Consumer<byte[], byte[]> consumer, String topic, Instant from, Instant to)
            throws InterruptedException {
        List<TopicPartition> tps;
        try {
            tps = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new UnknownTopicException(topic);
            }
            throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
        Map<TopicPartition, Long> earliest = offsets(admin, tps, OffsetSpec.earliest());
        Map<TopicPartition, Long> latest = offsets(admin, tps, OffsetSpec.latest());
        Map<TopicPartition, Long> start = from == null ? earliest : offsets(admin, tps, OffsetSpec.forTimestamp(from.toEpochMilli()));
        Map<TopicPartition, Long> end = to == null ? latest : offsets(admin, tps, OffsetSpec.forTimestamp(to.toEpochMilli()));
        Map<Integer, ReplayWindow.Bounds> bounds = new TreeMap<>();
        List<Partition> parts = new java.util.ArrayList<>();
        for (TopicPartition tp : tps) {
            // forTimestamp answers -1 when no record is that new: the window starts (or ends) at the end
            long s = start.get(tp) < 0 ? latest.get(tp) : Math.max(start.get(tp), earliest.get(tp));
            long e = end.get(tp) < 0 ? latest.get(tp) : end.get(tp);
            ConsumerRecord<byte[], byte[]> first = s < e ? firstAtOrAfter(consumer, tp, s, e) : null;
            ConsumerRecord<byte[], byte[]> last = first == null ? null : lastBefore(consumer, tp, first.offset(), e);
            ConsumerRecord<byte[], byte[]> oldest = earliest.get(tp) < latest.get(tp)
                    ? firstAtOrAfter(consumer, tp, earliest.get(tp), latest.get(tp)) : null;
            ReplayWindow.Bounds b = first == null ? new ReplayWindow.Bounds(e, e - 1)
                    : new ReplayWindow.Bounds(first.offset(), last.offset());
            bounds.put(tp.partition(), b);
            parts.add(new Partition(tp.partition(), b, first == null ? null : Instant.ofEpochMilli(first.timestamp()),
                    last == null ? null : Instant.ofEpochMilli(last.timestamp()), earliest.get(tp),
                    oldest == null ? null : Instant.ofEpochMilli(oldest.timestamp())));
        }
        consumer.assign(List.of());
        return new Resolved(topic, new ReplayWindow(bounds), List.copyOf(parts));
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> tps, OffsetSpec spec)
            throws InterruptedException {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        tps.forEach(tp -> q.put(tp, spec));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(q, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list offsets of " + tps + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** The first record at or after {@code from} and before {@code end}, or null. */
    private static ConsumerRecord<byte[], byte[]> firstAtOrAfter(Consumer<byte[], byte[]> c, TopicPartition tp, long from,
                                                                 long end) {
        c.assign(List.of(tp));
        c.seek(tp, from);
        long deadline = System.nanoTime() + POLL.toNanos();
        while (c.position(tp) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)).records(tp)) {
                return r.offset() < end ? r : null;
            }
        }
        return null;
    }

    /** The last record before {@code end} (at or after {@code first}): looks back further while only markers are found. */
    private static ConsumerRecord<byte[], byte[]> lastBefore(Consumer<byte[], byte[]> c, TopicPartition tp, long first,
                                                             long end) {
        for (long back = 1; ; back *= 16) {
            long from = Math.max(first, end - back);
            c.assign(List.of(tp));
            c.seek(tp, from);
            ConsumerRecord<byte[], byte[]> last = null;
            long deadline = System.nanoTime() + POLL.toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)).records(tp)) {
                    if (r.offset() < end) {
                        last = r;
                    }
                }
            }
            if (last != null || from == first) {
                return last;
            }
        }
    }
}
