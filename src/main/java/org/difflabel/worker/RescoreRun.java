package org.difflabel.worker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.replay.ReplayProgress;
import org.difflabel.replay.ReplayWindow;
import org.difflabel.replay.WindowResolver;
import org.difflabel.stream.LabelingMetrics;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * A bounded re-score: resolves the window to offsets, positions the run's consumer group at the
 * window's start (unless another process of the same model version is already running it), runs
 * the challenger topology over the window with exactly-once, prints progress, and returns when
 * every partition's committed offset has passed the window's end. Several processes with the
 * same model version share the partitions; each returns when the whole window is done.
 */
public final class RescoreRun {
    private final LabelingAssembly base;
    private final Map<String, Object> clientSettings;
    private final Duration progressInterval;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * @param base           the assembly of the re-scoring model (its window is set here)
     * @param clientSettings Kafka client settings beyond bootstrap servers (security), for the admin and reader
     */
    public RescoreRun(LabelingAssembly base, Map<String, String> clientSettings, Duration progressInterval,
                      PrintStream out, PrintStream err) {
        this.base = base;
        this.clientSettings = new HashMap<>(clientSettings);
        this.clientSettings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, base.bootstrap());
        this.progressInterval = progressInterval;
        this.out = out;
        this.err = err;
    }

    /** What a run did. */
    public record Summary(long windowSize, long labelled, long alreadyDone, double seconds) {
    }

    /** Thrown for a run that cannot start: nothing has been written. */
    public static final class RescoreException extends RuntimeException {
        public RescoreException(String message) {
            super(message);
        }
    }

    /** Resolves the window and prints it (what {@code --dry-run} shows). */
    public WindowResolver.Resolved resolve(Instant from, Instant to) throws InterruptedException {
        try (Admin admin = Admin.create(clientSettings); KafkaConsumer<byte[], byte[]> reader = reader()) {
            return WindowResolver.resolve(admin, reader, base.topics().input(), from, to);
        } catch (WindowResolver.UnknownTopicException e) {
            throw new RescoreException(e.getMessage());
        }
    }

    /** Prints the window per partition, and warns when {@code from} is older than what the topic holds. */
    public void print(WindowResolver.Resolved w, Instant from) {
        out.printf(Locale.ROOT, "re-score window of %s (%d partitions), %s %s -> %s, application id %s%n", w.topic(),
                w.partitions().size(), base.scoring().modelId(), base.scoring().modelVersion(), base.topics().rescored(),
                base.applicationId());
        out.println("| partition | first offset | last offset | records | first record | last record |");
        out.println("|---|---|---|---|---|---|");
        for (WindowResolver.Partition p : w.partitions()) {
            out.printf(Locale.ROOT, "| %d | %s | %s | %d | %s | %s |%n", p.partition(),
                    p.bounds().isEmpty() ? "-" : p.bounds().first(), p.bounds().isEmpty() ? "-" : p.bounds().last(),
                    p.bounds().size(), p.firstTime() == null ? "-" : p.firstTime(), p.lastTime() == null ? "-" : p.lastTime());
        }
        out.printf(Locale.ROOT, "total %d records; oldest record still retained: %s%n", w.window().size(),
                w.oldestRetained() == null ? "none (the topic is empty)" : w.oldestRetained());
        Instant oldest = w.oldestRetained();
        if (from != null && oldest != null && from.isBefore(oldest)) {
            if (w.retentionRemovedRecords()) {
                err.printf(Locale.ROOT, "WARNING: --from %s is older than the oldest record %s still holds (%s): records"
                        + " before it were removed by retention and cannot be re-scored%n", from, w.topic(), oldest);
            } else {
                err.printf(Locale.ROOT, "note: --from %s is older than the topic's first record (%s); nothing has been"
                        + " removed%n", from, oldest);
            }
        }
    }

    /** Runs the window to its end. */
    public Summary run(ReplayWindow window) throws InterruptedException {
        return run(window, LabelingMetrics.none());
    }

    /** Runs the window to its end, recording into {@code metrics}. */
    public Summary run(ReplayWindow window, LabelingMetrics metrics) throws InterruptedException {
        LabelingAssembly run = base.rescore(window);
        try (Admin admin = Admin.create(clientSettings)) {
            requireTopics(admin, run);
            run = run.withHumanLabels(exists(admin, run.topics().reviewed()));
            position(admin, run.applicationId(), run.topics().input(), window);
            long start = System.nanoTime();
            ReplayProgress progress = run.progress();
            try (KafkaStreams streams = run.streams(metrics)) {
                streams.start();
                long lastPrint = System.nanoTime();
                long doneAtStart = -1;
                while (true) {
                    if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                        throw new RescoreException("Kafka Streams stopped (" + streams.state() + ") before the window was done");
                    }
                    Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, run.applicationId());
                    long done = doneCount(window, run.topics().input(), committed);
                    if (doneAtStart < 0) {
                        doneAtStart = done;
                    }
                    if (finished(window, run.topics().input(), committed)) {
                        break;
                    }
                    if (System.nanoTime() - lastPrint >= progressInterval.toNanos()) {
                        progressLine(window.size(), done, done - doneAtStart, (System.nanoTime() - start) / 1e9);
                        lastPrint = System.nanoTime();
                    }
                    Thread.sleep(500);
                }
                streams.close(Duration.ofSeconds(60));
                // the run's tables live in memory and in Kafka; its local folder holds only lock and checkpoint files
                streams.cleanUp();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Summary s = new Summary(window.size(), progress.labelled(), progress.alreadyDone(), seconds);
            err.printf(Locale.ROOT, "re-score done: %d records in the window; this process labelled %d (%.2f events/s),"
                            + " skipped %d already done by an earlier run, in %.1f s%n", s.windowSize(), s.labelled(),
                    s.labelled() / Math.max(1e-9, seconds), s.alreadyDone(), seconds);
            return s;
        }
    }

    private void progressLine(long total, long done, long doneHere, double seconds) {
        double rate = doneHere / Math.max(1e-9, seconds);
        String eta = rate > 0 ? String.format(Locale.ROOT, "%.0f s", (total - done) / rate) : "?";
        err.printf(Locale.ROOT, "re-score: %d / %d events committed (%.0f%%), %.2f events/s, ETA %s%n", done, total,
                100.0 * done / Math.max(1, total), rate, eta);
    }

    /** The outputs must exist: a re-score never creates topics by accident on a production cluster. */
    private static void requireTopics(Admin admin, LabelingAssembly run) throws InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String t : List.of(run.topics().scored(), run.topics().rescored(), run.topics().rescoredDlq(),
                run.topics().diff())) {
            if (!exists(admin, t)) {
                missing.add(t);
            }
        }
        if (!missing.isEmpty()) {
            throw new RescoreException("topics " + missing + " do not exist: create them first (the worker does with"
                    + " labeler.worker.create-topics=true; the embedded broker always has them)");
        }
    }

    static boolean exists(Admin admin, String topic) throws InterruptedException {
        try {
            return admin.listTopics().names().get().contains(topic);
        } catch (ExecutionException e) {
            throw new RescoreException("cannot list topics: " + e.getCause().getMessage());
        }
    }

    /**
     * Points the run's consumer group at the window's start, unless a process of the same version is
     * running it already. Offsets already processed are skipped by the window filter, so starting
     * at the window's start never duplicates; a run that stopped part-way re-reads, but does not
     * re-score, what it had done.
     */
    private void position(Admin admin, String group, String topic, ReplayWindow window) throws InterruptedException {
        try {
            ConsumerGroupDescription g = describe(admin, group);
            if (g != null && !g.members().isEmpty()) {
                err.printf(Locale.ROOT, "joining the re-score already running under %s (%d members)%n", group,
                        g.members().size());
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> startAt = new HashMap<>();
            window.partitions().forEach((p, b) -> startAt.put(new TopicPartition(topic, p), new OffsetAndMetadata(b.first())));
            admin.alterConsumerGroupOffsets(group, startAt).all().get();
        } catch (ExecutionException e) {
            // another process of the same version joined between the two calls: it positioned the group
            if (e.getCause() instanceof UnknownMemberIdException || e.getCause() instanceof GroupNotEmptyException) {
                err.printf(Locale.ROOT, "joining the re-score already running under %s%n", group);
                return;
            }
            throw new RescoreException("cannot position consumer group " + group + ": " + e.getCause().getMessage());
        }
    }

    /** The group, or null when it does not exist yet (the first run of a model version). */
    private static ConsumerGroupDescription describe(Admin admin, String group) throws InterruptedException,
            ExecutionException {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return null;
            }
            throw e;
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) throws InterruptedException {
        try {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        } catch (ExecutionException e) {
            return Map.of();
        }
    }

    private static boolean finished(ReplayWindow window, String topic, Map<TopicPartition, OffsetAndMetadata> committed) {
        for (var e : window.partitions().entrySet()) {
            OffsetAndMetadata c = committed.get(new TopicPartition(topic, e.getKey()));
            if (!e.getValue().isEmpty() && (c == null || !window.done(e.getKey(), c.offset()))) {
                return false;
            }
        }
        return true;
    }

    private static long doneCount(ReplayWindow window, String topic, Map<TopicPartition, OffsetAndMetadata> committed) {
        long done = 0;
        for (var e : window.partitions().entrySet()) {
            OffsetAndMetadata c = committed.get(new TopicPartition(topic, e.getKey()));
            ReplayWindow.Bounds b = e.getValue();
            if (c != null && !b.isEmpty()) {
                done += Math.max(0, Math.min(c.offset(), b.last() + 1) - b.first());
            }
        }
        return done;
    }

    private KafkaConsumer<byte[], byte[]> reader() {
        Map<String, Object> p = new HashMap<>(clientSettings);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
