package org.difflabel.worker;

import io.opentelemetry.api.OpenTelemetry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.difflabel.classifier.Schedule;
import org.difflabel.config.LabelerConfig;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.replay.ReplayProgress;
import org.difflabel.replay.ReplayWindow;
import org.difflabel.replay.ShadowTopology;
import org.difflabel.stream.FailurePolicy;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.LabelingTopology;
import org.difflabel.stream.RetryOnFailure;
import org.difflabel.stream.Role;
import org.difflabel.stream.Scoring;
import org.difflabel.stream.StreamSettings;
import org.difflabel.stream.TopicAdmin;
import org.difflabel.stream.TriagePolicy;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The composition root: model + policy + topics + serdes + Kafka Streams settings -> a running
 * topology, for every run mode (the worker as champion or challenger, a bounded re-score, the
 * stream benchmark). Everything comes from {@link LabelerConfig}; a run mode changes only what it
 * must through the {@code with...} methods, so a documented setting means the same everywhere.
 */
public final class LabelingAssembly {
    private final LabelerConfig config;
    private final Role role;
    private final LabelingTopics topics;
    private final Scoring scoring;
    private final TriagePolicy policy;
    private final RegistryClient registry;
    private final String bootstrap;
    private final String applicationId;
    private final ReplayWindow window;
    private final ReplayProgress progress;
    private final boolean withHumanLabels;
    private int streamThreads;
    /** The champion's policy when it follows {@code labeler.policy}; null: the configured one. */
    private java.util.function.Supplier<org.difflabel.stream.ActivePolicy> livePolicy;
    /** Reads images by reference (labeler.image.reference.*); one per run, shared by its stream threads. */
    private org.difflabel.images.ImageFetcher images;
    /** Where the champion's spans go; no-op (untraced) unless {@link #withTracing} says otherwise. */
    private OpenTelemetry telemetry = OpenTelemetry.noop();

    private LabelingAssembly(LabelerConfig config, Role role, LabelingTopics topics, Scoring scoring, TriagePolicy policy,
                             RegistryClient registry, String bootstrap, String applicationId, ReplayWindow window,
                             ReplayProgress progress, boolean withHumanLabels) {
        this.config = config;
        this.role = role;
        this.topics = topics;
        this.scoring = scoring;
        this.policy = policy;
        this.registry = registry;
        this.bootstrap = bootstrap;
        this.applicationId = applicationId;
        this.window = window;
        this.progress = progress;
        this.withHumanLabels = withHumanLabels;
        this.streamThreads = config.streamThreads();
        this.images = new org.difflabel.images.ImageFetcher(config.imageFetchSettings());
    }

    /** Stream threads (default {@code labeler.worker.stream-threads}); the benchmark sets them per run. */
    public LabelingAssembly withStreamThreads(int threads) {
        LabelingAssembly a = withTopics(topics);
        a.streamThreads = threads;
        return a;
    }

    /** The run the configuration describes, on {@code model}, against {@code bootstrap} and {@code registry}. */
    public static LabelingAssembly of(LabelerConfig config, LabelModel model, String bootstrap, RegistryClient registry) {
        Role role = config.worker().role();
        Scoring scoring = new Scoring(model, schedule(config, model), config.model().temperature().orElse(null),
                config.model().budget());
        return new LabelingAssembly(config, role, topics(config), scoring, config.triagePolicy(), registry, bootstrap,
                applicationId(config.worker().applicationId(), role, scoring), null, new ReplayProgress(), true);
    }

    /** Creates every topic of the pipeline that is missing on the single-node embedded broker (replication 1). */
    public static void createEmbeddedTopics(LabelerConfig config, Map<String, Object> client) throws InterruptedException {
        try (Admin admin = Admin.create(client)) {
            LabelingTopics topics = topics(config);
            TopicAdmin.inputPartitions(admin, topics, topics.all(),
                    new TopicAdmin.Layout(config.worker().partitions(), (short) 1, null), true);
        }
    }

    /** The topic names of the configuration. */
    public static LabelingTopics topics(LabelerConfig config) {
        var t = config.topics();
        return new LabelingTopics(t.input(), t.scored(), t.accepted(), t.review(), t.dlq(), t.rescored(), t.rescoredDlq(),
                t.diff(), t.reviewed(), t.policy());
    }

    /** {@code labeler.model.stages}, parsed once for the model; null: the model's default plan. */
    public static Schedule schedule(LabelerConfig config, LabelModel model) {
        return config.model().stages().map(model::parseSchedule).orElse(null);
    }

    /**
     * The champion uses the configured id; a challenger or re-score gets one of its own per model
     * version, so two versions never share offsets and a re-run of the same version resumes.
     */
    static String applicationId(String base, Role role, Scoring scoring) {
        if (role == Role.CHAMPION) {
            return base;
        }
        return (base + "-challenger-" + scoring.modelId() + "-" + scoring.modelVersion())
                .replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** A bounded re-score of {@code window}: a challenger with an application id of its own per model version. */
    public LabelingAssembly rescore(ReplayWindow window) {
        String id = (config.worker().applicationId() + "-rescore-" + scoring.modelId() + "-" + scoring.modelVersion())
                .replaceAll("[^A-Za-z0-9._-]", "_");
        return copy(new LabelingAssembly(config, Role.CHALLENGER, topics, scoring, policy, registry, bootstrap, id, window,
                progress, withHumanLabels));
    }

    public LabelingAssembly withTopics(LabelingTopics topics) {
        return copy(new LabelingAssembly(config, role, topics, scoring, policy, registry, bootstrap, applicationId, window,
                progress, withHumanLabels));
    }

    private LabelingAssembly copy(LabelingAssembly a) {
        a.streamThreads = streamThreads;
        a.livePolicy = livePolicy;
        a.images = images;
        a.telemetry = telemetry;
        return a;
    }

    /** The champion decides by {@code policy}, asked once per record (the live policy of {@code labeler.policy}). */
    public LabelingAssembly withLivePolicy(java.util.function.Supplier<org.difflabel.stream.ActivePolicy> policy) {
        LabelingAssembly a = withTopics(topics);
        a.livePolicy = policy;
        return a;
    }

    /** Reads images by reference with {@code images} instead of the configured fetcher. */
    public LabelingAssembly withImages(org.difflabel.images.ImageFetcher images) {
        LabelingAssembly a = withTopics(topics);
        a.images = images;
        return a;
    }

    public org.difflabel.images.ImageFetcher images() {
        return images;
    }

    /** The champion traces each record in {@code telemetry} ({@code TracedProcessor}); no-op: not traced. */
    public LabelingAssembly withTracing(OpenTelemetry telemetry) {
        LabelingAssembly a = withTopics(topics);
        a.telemetry = telemetry;
        return a;
    }

    public LabelingAssembly withApplicationId(String applicationId) {
        return copy(new LabelingAssembly(config, role, topics, scoring, policy, registry, bootstrap, applicationId, window,
                progress, withHumanLabels));
    }

    /** Command-line overrides of the schedule and temperature (null: keep the configured ones). */
    public LabelingAssembly withScoring(Schedule schedule, Double temperature) {
        Scoring s = new Scoring(scoring.model(), schedule != null ? schedule : scoring.schedule(),
                temperature != null ? temperature : scoring.temperature(), scoring.budget());
        return copy(new LabelingAssembly(config, role, topics, s, policy, registry, bootstrap, applicationId, window, progress,
                withHumanLabels));
    }

    /** Whether the comparisons join {@code labels.reviewed} (false when that topic does not exist). */
    public LabelingAssembly withHumanLabels(boolean join) {
        return copy(new LabelingAssembly(config, role, topics, scoring, policy, registry, bootstrap, applicationId, window,
                progress, join));
    }

    public Role role() {
        return role;
    }

    public LabelingTopics topics() {
        return topics;
    }

    public Scoring scoring() {
        return scoring;
    }

    public TriagePolicy policy() {
        return policy;
    }

    public RegistryClient registry() {
        return registry;
    }

    public String applicationId() {
        return applicationId;
    }

    public String bootstrap() {
        return bootstrap;
    }

    public ReplayProgress progress() {
        return progress;
    }

    /**
     * Creates the run's missing topics (when {@code create}) and checks them against the run
     * ({@link TopicAdmin}). Returns the run with its stream threads capped at the input's partitions
     * when they were chosen automatically (extra threads would idle); an explicit count above them is
     * an error.
     */
    public LabelingAssembly prepareTopics(boolean create, boolean embedded) throws InterruptedException {
        Map<String, Object> client = new HashMap<>(config.worker().kafka());
        client.put("bootstrap.servers", bootstrap);
        short rf = embedded ? 1 : config.worker().replicationFactor().orElse((short) 3);
        Integer minIsr = embedded ? null : config.worker().minInsyncReplicas().orElse(rf >= 3 ? 2 : null);
        var layout = new TopicAdmin.Layout(Math.max(config.worker().partitions(), streamThreads), rf, minIsr);
        try (Admin admin = Admin.create(client)) {
            boolean explicit = config.worker().streamThreads() > 0;
            // the embedded broker gets every topic of the pipeline, so both roles and the tools find them
            int partitions = TopicAdmin.inputPartitions(admin, topics, embedded ? topics.all() : topicsUsed(), layout,
                    create);
            TopicAdmin.check(admin, topics, topicsUsed(), explicit ? streamThreads : Math.min(streamThreads, partitions));
            LabelingAssembly a = withTopics(topics);
            a.streamThreads = explicit ? streamThreads : Math.min(streamThreads, partitions);
            return a;
        }
    }

    public int streamThreads() {
        return streamThreads;
    }

    /** The topics this run reads and writes (the global tables included). */
    public List<String> topicsUsed() {
        return role == Role.CHAMPION ? List.of(topics.input(), topics.scored(), topics.accepted(), topics.review(), topics.dlq(),
                topics.policy())
                : List.of(topics.input(), topics.scored(), topics.rescored(), topics.rescoredDlq(), topics.diff(),
                topics.reviewed());
    }

    public Topology topology(LabelingMetrics metrics) {
        if (role == Role.CHAMPION) {
            var fixed = org.difflabel.stream.ActivePolicy.of(policy);
            return LabelingTopology.champion(topics, scoring, failures(), livePolicy != null ? livePolicy : () -> fixed,
                    registry, metrics, images, telemetry);
        }
        return ShadowTopology.build(topics, scoring, failures(), policy, registry, metrics, window, progress, withHumanLabels,
                config.replay().compareInterval(), config.replay().pendingRetention(), images);
    }

    private FailurePolicy failures() {
        return new FailurePolicy(config.worker().maxRecordAttempts());
    }

    /** The Kafka Streams settings: the worker's ({@code labeler.worker.*}) with this run's application id. */
    public StreamSettings settings() {
        Map<String, String> extra = new HashMap<>(config.worker().kafka());
        if (role == Role.CHALLENGER && !extra.containsKey(StreamsConfig.STATE_DIR_CONFIG)) {
            // the challenger's tables live in memory and are rebuilt from Kafka at start; a folder of
            // its own per process lets several processes of one version share a machine
            extra.put(StreamsConfig.STATE_DIR_CONFIG, stateDir());
        }
        return new StreamSettings(applicationId, bootstrap, streamThreads, config.worker().maxPollRecords(),
                config.worker().maxPollIntervalMs(), config.worker().transactionTimeoutMs(),
                config.worker().commitIntervalMs(), extra);
    }

    /** The run's Kafka Streams, not started, with the worker's failure handler. */
    public KafkaStreams streams(LabelingMetrics metrics) {
        KafkaStreams streams = new KafkaStreams(topology(metrics), settings().toProperties());
        streams.setUncaughtExceptionHandler(new RetryOnFailure());
        return streams;
    }

    public String describe() {
        return String.format(Locale.ROOT, "%s %s %s (plan %s, temperature %s; policy %s) as %s, application id %s",
                role.name().toLowerCase(Locale.ROOT), scoring.modelId(), scoring.modelVersion(),
                scoring.schedule() == null ? "model default" : scoring.schedule(),
                scoring.temperature() == null ? "calibrated" : scoring.temperature(), policy.version(),
                role == Role.CHAMPION ? topics.input() + " -> " + topics.scored() : topics.input() + " -> "
                        + topics.rescored() + " + " + topics.diff(), applicationId);
    }

    private static String stateDir() {
        try {
            Path dir = Files.createTempDirectory("difflabel-streams-");
            dir.toFile().deleteOnExit();
            return dir.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a Kafka Streams state folder", e);
        }
    }

    /** The registry client the configuration describes (URL, retries, basic auth, trust store). */
    public static RegistryClient registry(LabelerConfig config, String url) {
        RegistrySettings rs = RegistrySettings.of(url).withMaxRetries(config.worker().registryMaxRetries());
        if (config.worker().registryUser().isPresent()) {
            rs = rs.withBasicAuth(config.worker().registryUser().get(), config.worker().registryPassword().orElse(""));
        }
        if (config.worker().registryTruststore().isPresent()) {
            rs = rs.withSslContext(trustStoreContext(Path.of(config.worker().registryTruststore().get()),
                    config.worker().registryTruststorePassword().orElse("")));
        }
        return new RegistryClient(rs);
    }

    private static SSLContext trustStoreContext(Path file, String password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(in, password.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the registry trust store " + file + ": " + e.getMessage(), e);
        }
    }
}
