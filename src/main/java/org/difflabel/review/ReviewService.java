package org.difflabel.review;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.BadPayloadException;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistryUnavailableException;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.RetryOnFailure;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * The review side of the application: the queue's Kafka Streams application (its own application
 * id, {@code <application-id>-review}), the queue, the publisher of decisions and the login's
 * users. Started by the worker when {@code labeler.review.enabled} says so; the web pages answer
 * 404 while it is not running.
 */
@ApplicationScoped
public class ReviewService {
    private static final Logger LOG = Logger.getLogger(ReviewService.class);

    @Inject
    LabelerConfig config;

    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    private volatile ReviewerAccounts accounts = ReviewerAccounts.none();
    private volatile KafkaStreams streams;
    private volatile ReviewQueue queue;
    private DecisionPublisher publisher;
    private volatile InputImages images;
    private LabelingTopics topics;

    /** What a save did: the events now committed, and those that had been decided before. */
    public record Saved(List<String> saved, List<String> alreadyReviewed) {
    }

    /**
     * Starts the queue and the publisher against {@code bootstrap}.
     *
     * @param clientSettings the cluster's client settings (bootstrap servers, security)
     * @param embedded       the embedded demo: without a users file, a demo user is created and its password printed
     */
    public synchronized void start(Map<String, Object> clientSettings, RegistryClient registry, LabelingTopics topics,
                                   boolean embedded) throws IOException, InterruptedException {
        this.topics = topics;
        accounts = loadAccounts(embedded);
        if (org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.auth.session.encryption-key", String.class).isEmpty() && !embedded) {
            LOG.warn("review: QUARKUS_HTTP_AUTH_SESSION_ENCRYPTION_KEY is not set: sign-in sessions use a key made at"
                    + " start, so they end at every restart and do not carry over between replicas");
        }
        checkCoPartitioned(clientSettings, topics);
        Properties p = new Properties();
        p.putAll(clientSettings);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.worker().applicationId() + "-review");
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        // the stores are projections of the topics: replaying a record after a crash changes nothing
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        p.put(StreamsConfig.consumerPrefix("isolation.level"), "read_committed");
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("difflabel-review-").toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, embedded ? 1 : (int) config.worker().replicationFactor().orElse((short) 3));
        KafkaStreams s = new KafkaStreams(ReviewQueueTopology.build(topics.review(), topics.reviewed()), p);
        s.setUncaughtExceptionHandler(new RetryOnFailure());
        queue = new ReviewQueue(new StoreSource(s, registry, topics), Clock.systemUTC(), config.review().lease());
        publisher = new DecisionPublisher(clientSettings, config.worker().applicationId() + "-review", topics.reviewed(),
                topics.accepted(), registry, config.review().publishTimeout());
        images = new InputImages(clientSettings, registry,
                new org.difflabel.images.ImageFetcher(config.imageFetchSettings()));
        s.start();
        streams = s;
        registerMetrics();
        LOG.infof("review: queue %s minus %s, decisions to %s and %s; lease %s", topics.review(), topics.reviewed(),
                topics.reviewed(), topics.accepted(), config.review().lease());
    }

    public boolean running() {
        return streams != null;
    }

    /** The queue; throws {@link QueueUnavailableException} while it is not started. */
    public ReviewQueue queue() {
        ReviewQueue q = queue;
        if (q == null) {
            throw new QueueUnavailableException("the review queue is not running");
        }
        return q;
    }

    /** Reads task images (inline, or from the input record). */
    public InputImages images() {
        InputImages i = images;
        if (i == null) {
            throw new QueueUnavailableException("the review queue is not running");
        }
        return i;
    }

    public ReviewerAccounts accounts() {
        return accounts;
    }

    /** Whether the queue has read the topics up to now (false while it restores from Kafka after a start). */
    public boolean ready() {
        KafkaStreams s = streams;
        return s != null && s.state() == KafkaStreams.State.RUNNING;
    }

    public LabelingTopics topics() {
        return topics;
    }

    /**
     * Records {@code decisions} by {@code reviewer}: checks them against the queue, publishes them
     * in one transaction and returns once it committed.
     *
     * @throws DecisionsNotSavedException Kafka or the registry is unreachable: nothing was saved
     */
    public synchronized Saved save(String reviewer, List<Decision> decisions, ReviewSource source) {
        ReviewQueue q = queue();
        ReviewQueue.Batch batch = q.decide(reviewer, decisions, source);
        publisher.publish(batch.toPublish());
        q.committed(batch.toPublish());
        batch.toPublish().forEach(r -> meters.counter("labeler.review.decisions", "outcome",
                r.label().getOutcome().name(), "source", r.label().getSource().name()).increment());
        return new Saved(batch.toPublish().stream().map(r -> r.label().getEventId()).toList(), batch.alreadyReviewed());
    }

    /** Queue depth and age for dashboards and alerts (NaN while the queue loads); decisions are counted in {@link #save}. */
    private void registerMetrics() {
        io.micrometer.core.instrument.Gauge.builder("labeler.review.queue.depth", this, r -> r.probe(q ->
                        q.pending().size())).description("pending review tasks").register(meters);
        io.micrometer.core.instrument.Gauge.builder("labeler.review.queue.oldest.seconds", this, r -> r.probe(q ->
                        q.pending().stream().mapToLong(t -> java.time.Duration.between(t.getCreatedAt(),
                                java.time.Instant.now()).toSeconds()).max().orElse(0)))
                .description("age of the oldest pending review task").register(meters);
    }

    private double probe(java.util.function.ToDoubleFunction<ReviewQueue> f) {
        ReviewQueue q = queue;
        if (q == null || !ready()) {
            return Double.NaN;
        }
        try {
            return f.applyAsDouble(q);
        } catch (QueueUnavailableException e) {
            return Double.NaN;
        }
    }

    private ReviewerAccounts loadAccounts(boolean embedded) throws IOException {
        Optional<String> file = config.review().usersFile();
        if (file.isPresent()) {
            ReviewerAccounts a = ReviewerAccounts.read(Path.of(file.get()));
            LOG.infof("review: form login with the users of %s", file.get());
            return a;
        }
        if (!embedded) {
            LOG.info("review: no labeler.review.users-file: form login has no users (use OIDC, see README)");
            return ReviewerAccounts.none();
        }
        String password = ReviewerAccounts.randomPassword();
        ReviewerAccounts a = ReviewerAccounts.of(List.of(ReviewerAccounts.create("demo",
                Set.of(ReviewerAccounts.REVIEWER_ROLE), password.toCharArray())));
        int port = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
        // the embedded demo's one user: printed to the console, never logged
        System.out.printf("review UI: http://localhost:%d/review  user: demo  password: %s  (generated at start;"
                + " set labeler.review.users-file for real users)%n", port, password);
        System.out.flush();
        return a;
    }

    /** A task and its decision must meet in the same stream task: the two topics need the same partition count. */
    private static void checkCoPartitioned(Map<String, Object> clientSettings, LabelingTopics topics)
            throws InterruptedException {
        try (Admin admin = Admin.create(clientSettings)) {
            Map<String, TopicDescription> d = admin.describeTopics(List.of(topics.review(), topics.reviewed()))
                    .allTopicNames().get();
            int review = d.get(topics.review()).partitions().size();
            int reviewed = d.get(topics.reviewed()).partitions().size();
            if (review != reviewed) {
                throw new IllegalStateException(String.format("the review queue needs %s and %s to have the same"
                                + " number of partitions (both are keyed by event id); they have %d and %d",
                        topics.review(), topics.reviewed(), review, reviewed));
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe " + topics.review() + " and " + topics.reviewed()
                    + " (do they exist?): " + e.getCause().getMessage(), e.getCause());
        }
    }

    @PreDestroy
    public synchronized void stop() {
        if (streams != null) {
            streams.close(Duration.ofSeconds(10));
            streams = null;
        }
        if (publisher != null) {
            publisher.close();
            publisher = null;
        }
        queue = null;
    }

    /** The queue's view of the topology's stores (interactive queries on this instance's tasks). */
    private static final class StoreSource implements TaskSource {
        private final KafkaStreams streams;
        private final String reviewTopic;
        private final String reviewedTopic;
        private final AvroWireDeserializer<ReviewTask> tasks;
        private final AvroWireDeserializer<ReviewedLabel> decisions;

        StoreSource(KafkaStreams streams, RegistryClient registry, LabelingTopics topics) {
            this.streams = streams;
            this.reviewTopic = topics.review();
            this.reviewedTopic = topics.reviewed();
            this.tasks = new AvroWireDeserializer<>(registry, ReviewTask.class);
            this.decisions = new AvroWireDeserializer<>(registry, ReviewedLabel.class);
        }

        @Override
        public List<ReviewTask> pending() {
            return all(ReviewQueueTopology.PENDING, b -> tasks.deserialize(reviewTopic, b));
        }

        @Override
        public Optional<ReviewTask> pending(String eventId) {
            return one(ReviewQueueTopology.PENDING, eventId, b -> tasks.deserialize(reviewTopic, b));
        }

        @Override
        public Optional<ReviewedLabel> decided(String eventId) {
            return one(ReviewQueueTopology.DECIDED, eventId, b -> decisions.deserialize(reviewedTopic, b));
        }

        @Override
        public List<ReviewedLabel> decided() {
            return all(ReviewQueueTopology.DECIDED, b -> decisions.deserialize(reviewedTopic, b));
        }

        private ReadOnlyKeyValueStore<String, byte[]> store(String name) {
            try {
                return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()));
            } catch (InvalidStateStoreException e) {
                throw loading();
            }
        }

        private <T> Optional<T> one(String store, String key, Function<byte[], T> decode) {
            try {
                byte[] b = store(store).get(key);
                return b == null ? Optional.empty() : Optional.ofNullable(decodeOrSkip(key, b, decode));
            } catch (InvalidStateStoreException e) {
                throw loading();
            }
        }

        private <T> List<T> all(String store, Function<byte[], T> decode) {
            List<T> out = new ArrayList<>();
            try (KeyValueIterator<String, byte[]> it = store(store).all()) {
                it.forEachRemaining(kv -> {
                    T t = decodeOrSkip(kv.key, kv.value, decode);
                    if (t != null) {
                        out.add(t);
                    }
                });
            } catch (InvalidStateStoreException e) {
                throw loading();
            }
            return out;
        }

        /** A store read during a rebalance or restoration (the store can also move while it is read). */
        private QueueUnavailableException loading() {
            return new QueueUnavailableException("the review queue is loading from Kafka (" + streams.state() + ")");
        }

        private static <T> T decodeOrSkip(String key, byte[] b, Function<byte[], T> decode) {
            try {
                return decode.apply(b);
            } catch (BadPayloadException e) {
                // not a task a person can review; the topic's producer is at fault, not the reviewer
                LOG.warnf("review: skipping event %s: its record does not decode (%s)", key, e.getMessage());
                return null;
            } catch (RegistryUnavailableException e) {
                throw new QueueUnavailableException("the schema registry is unreachable: " + e.getMessage());
            }
        }
    }
}
