package org.difflabel.stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * The pipeline's topics on a cluster: creates the missing ones (when asked) with the configured
 * partitions, replication factor and {@code min.insync.replicas}, compacted where the newest record
 * per event id is what counts, and checks the existing ones against what the run needs, failing
 * at start with one clear message instead of misbehaving later.
 */
public final class TopicAdmin {

    /**
     * How topics are created.
     *
     * @param partitions        partitions of new topics
     * @param replicationFactor replicas of new topics (1 only for the single-node embedded broker)
     * @param minInsyncReplicas {@code min.insync.replicas} of new topics; null: the broker's default
     */
    public record Layout(int partitions, short replicationFactor, Integer minInsyncReplicas) {
        public Layout {
            if (partitions < 1 || replicationFactor < 1) {
                throw new IllegalArgumentException("partitions and replication factor must be >= 1");
            }
            if (minInsyncReplicas != null && (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor)) {
                throw new IllegalArgumentException("min.insync.replicas must be between 1 and the replication factor "
                        + replicationFactor + ", got " + minInsyncReplicas);
            }
        }
    }

    /** Thrown when the topics do not fit the run; the message says what to change. */
    public static final class TopicMismatchException extends RuntimeException {
        public TopicMismatchException(String message) {
            super(message);
        }
    }

    private TopicAdmin() {
    }

    /** Topics whose newest record per key is what readers use: compaction keeps them bounded and correct. */
    public static Set<String> compacted(LabelingTopics t) {
        return Set.of(t.diff(), t.reviewed(), t.policy());
    }

    /**
     * Creates the missing {@code topics} (if {@code create}, else refuses with the list) and returns
     * the input topic's partitions.
     */
    public static int inputPartitions(Admin admin, LabelingTopics all, Collection<String> topics, Layout layout,
                                      boolean create) throws InterruptedException {
        Set<String> existing = names(admin);
        List<String> missing = topics.stream().filter(t -> !existing.contains(t)).toList();
        if (!missing.isEmpty()) {
            if (!create) {
                throw new TopicMismatchException("topics " + missing + " do not exist: create them (k8s/base/kafkatopics.yaml"
                        + " lists them) or set labeler.worker.create-topics=true");
            }
            create(admin, missing, layout, compacted(all));
        }
        return get(admin.describeTopics(List.of(all.input())).allTopicNames(), "describe " + all.input())
                .get(all.input()).partitions().size();
    }

    private static void create(Admin admin, List<String> names, Layout layout, Set<String> compacted)
            throws InterruptedException {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            Map<String, String> configs = new HashMap<>();
            if (layout.minInsyncReplicas() != null) {
                configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(layout.minInsyncReplicas()));
            }
            if (compacted.contains(n)) {
                configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
            }
            topics.add(new NewTopic(n, layout.partitions(), layout.replicationFactor()).configs(configs));
        }
        for (var f : admin.createTopics(topics).values().entrySet()) {
            try {
                f.getValue().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new TopicMismatchException("cannot create topic " + f.getKey() + " (" + layout.partitions()
                            + " partitions, replication factor " + layout.replicationFactor() + "): "
                            + e.getCause().getMessage());
                }
            }
        }
        awaitDescribable(admin, names);
    }

    /**
     * A topic just created can be unknown to the broker that answers the next describe for a moment
     * (its metadata has not propagated): wait until all of {@code names} can be described.
     */
    private static void awaitDescribable(Admin admin, List<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                admin.describeTopics(names).allTopicNames().get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw new TopicMismatchException("cannot describe the topics just created " + names + ": "
                            + e.getCause().getMessage());
                }
                Thread.sleep(100);
            }
        }
    }

    /** Checks {@code topics}: the input has at least {@code streamThreads} partitions, compacted topics are compacted. */
    public static void check(Admin admin, LabelingTopics all, Collection<String> topics, int streamThreads)
            throws InterruptedException {
        Map<String, TopicDescription> described = get(admin.describeTopics(topics).allTopicNames(), "describe topics");
        List<String> problems = new ArrayList<>();
        TopicDescription input = described.get(all.input());
        if (input != null && input.partitions().size() < streamThreads) {
            problems.add(all.input() + " has " + input.partitions().size() + " partitions but the worker runs "
                    + streamThreads + " stream threads: add partitions or lower labeler.worker.stream-threads");
        }
        Map<ConfigResource, String> compact = new LinkedHashMap<>();
        for (String t : compacted(all)) {
            if (topics.contains(t)) {
                compact.put(new ConfigResource(ConfigResource.Type.TOPIC, t), t);
            }
        }
        if (!compact.isEmpty()) {
            Map<ConfigResource, Config> configs = get(admin.describeConfigs(compact.keySet()).all(), "describe topic configs");
            compact.forEach((r, t) -> {
                var policy = configs.get(r).get(TopicConfig.CLEANUP_POLICY_CONFIG);
                if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                    problems.add(t + " must be compacted (cleanup.policy=compact; it is "
                            + (policy == null ? "unset" : policy.value()) + "): readers take the newest record per key");
                }
            });
        }
        if (!problems.isEmpty()) {
            throw new TopicMismatchException(String.join("; ", problems));
        }
    }

    private static Set<String> names(Admin admin) throws InterruptedException {
        return get(admin.listTopics().names(), "list topics");
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f, String what) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new TopicMismatchException("cannot " + what + ": " + e.getCause().getMessage());
        }
    }
}
