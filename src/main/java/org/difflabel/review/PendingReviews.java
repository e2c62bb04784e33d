package org.difflabel.review;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.BadPayloadException;
import org.difflabel.registry.RegistryClient;
import org.difflabel.replay.TopicReader;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * The review queue as it stands now: the tasks on {@code labels.review} (newest per event id) and
 * the event ids that already have a decision on {@code labels.reviewed} (newest record per key; a
 * tombstone withdraws the decision). A task is pending when its event has no decision. Both topics
 * are read whole, read_committed, so an aborted decision never hides a task.
 *
 * @param tasks      every task on the review topic, newest per event id
 * @param reviewed   event ids with a decision on the reviewed topic
 * @param unreadable records of either topic that could not be deserialised (skipped)
 */
public record PendingReviews(Map<String, ReviewTask> tasks, Set<String> reviewed, long unreadable) {

    /**
     * Reads both topics.
     *
     * @param progress called with the number of records read so far, every 10,000 records (long reads)
     */
    public static PendingReviews read(Map<String, Object> clientSettings, RegistryClient registry, String reviewTopic,
                                      String reviewedTopic, LongConsumer progress) {
        var taskReader = new AvroWireDeserializer<>(registry, ReviewTask.class);
        var reviewedReader = new AvroWireDeserializer<>(registry, ReviewedLabel.class);
        long[] counts = {0, 0}; // records read, unreadable
        Set<String> reviewed = new HashSet<>();
        TopicReader.readAll(clientSettings, reviewedTopic, r -> {
            tick(counts, progress);
            try {
                String id = r.key() != null ? new String(r.key(), StandardCharsets.UTF_8)
                        : r.value() != null ? reviewedReader.deserialize(r.topic(), r.value()).getEventId() : null;
                if (id == null) {
                    return;
                }
                if (r.value() == null) {
                    reviewed.remove(id);
                } else {
                    reviewed.add(id);
                }
            } catch (BadPayloadException e) {
                counts[1]++;
            }
        });
        Map<String, ReviewTask> tasks = new LinkedHashMap<>();
        TopicReader.readAll(clientSettings, reviewTopic, r -> {
            tick(counts, progress);
            read(taskReader, r, counts, tasks);
        });
        return new PendingReviews(Collections.unmodifiableMap(tasks), Collections.unmodifiableSet(reviewed), counts[1]);
    }

    private static void read(AvroWireDeserializer<ReviewTask> reader, ConsumerRecord<byte[], byte[]> r, long[] counts,
                             Map<String, ReviewTask> tasks) {
        try {
            ReviewTask t = reader.deserialize(r.topic(), r.value());
            if (t != null) {
                tasks.remove(t.getEventId()); // re-insert: the map keeps the newest last, like the topic
                tasks.put(t.getEventId(), t);
            }
        } catch (BadPayloadException e) {
            counts[1]++;
        }
    }

    private static void tick(long[] counts, LongConsumer progress) {
        if (++counts[0] % 10_000 == 0 && progress != null) {
            progress.accept(counts[0]);
        }
    }

    /** Whether {@code eventId} already has a decision. */
    public boolean isReviewed(String eventId) {
        return reviewed.contains(eventId);
    }

    /** The pending task of {@code eventId}, or null when there is none (unknown, or already reviewed). */
    public ReviewTask pending(String eventId) {
        return reviewed.contains(eventId) ? null : tasks.get(eventId);
    }

    /** Tasks without a decision, highest priority first, then oldest first (the order a reviewer should see them). */
    public List<ReviewTask> pendingTasks() {
        return tasks.values().stream().filter(t -> !reviewed.contains(t.getEventId()))
                .sorted(Comparator.comparingInt(ReviewTask::getPriority).reversed()
                        .thenComparing(ReviewTask::getCreatedAt).thenComparing(ReviewTask::getEventId))
                .toList();
    }

    /** How many tasks are on the review topic but already have a decision. */
    public long alreadyReviewed() {
        return tasks.keySet().stream().filter(reviewed::contains).count();
    }
}
