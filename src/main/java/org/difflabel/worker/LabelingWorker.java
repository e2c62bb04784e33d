package org.difflabel.worker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.Quarkus;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.config.LabelerConfig;
import org.difflabel.embedded.EmbeddedBanner;
import org.difflabel.embedded.EmbeddedCluster;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.RegistryClient;
import org.difflabel.policy.LivePolicy;
import org.difflabel.review.ReviewService;
import org.difflabel.stream.ActivePolicy;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.Role;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The streaming worker's lifecycle. With {@code kafka.bootstrap.servers} set it is a plain worker
 * against that cluster and its registry; without, it starts the embedded default first: a real
 * single-node KRaft broker in this process, the schema registry, the topics, and (unless
 * disabled) a demo that publishes the shipped sample images and prints every output.
 */
@ApplicationScoped
public class LabelingWorker {
    private static final Logger LOG = Logger.getLogger(LabelingWorker.class);

    @Inject
    LabelerConfig config;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    Optional<String> bootstrapServers;

    @Inject
    MeterRegistry meterRegistry;

    @Inject
    ReviewService review;

    @Inject
    OpenTelemetry telemetry;

    /** True unless an OTLP endpoint is configured ({@code org.difflabel.config.TracingSwitch}). */
    @ConfigProperty(name = "quarkus.otel.sdk.disabled")
    boolean tracingOff;

    private KafkaStreamsMetrics streamsMetrics;

    private EmbeddedCluster cluster;
    private LabelModel model;
    private KafkaStreams streams;
    private DemoFeed demo;
    private LivePolicy policy;

    /** Runs until the process is asked to stop (SIGTERM, Ctrl-C). */
    public int run() throws Exception {
        // readiness as a metric, for the alert on it (the probe itself is /q/health/ready)
        io.micrometer.core.instrument.Gauge.builder("labeler.worker.ready", this, w -> w.ready() ? 1 : 0)
                .description("1 when the worker is ready (model loaded and Kafka Streams running, or the review queue"
                        + " loaded for a review instance)").register(meterRegistry);
        start();
        Quarkus.waitForExit();
        return 0;
    }

    synchronized void start() throws Exception {
        LabelingTopics topics = LabelingAssembly.topics(config);
        String bootstrap;
        String registryUrl;
        boolean embedded = bootstrapServers.isEmpty();
        if (!embedded) {
            bootstrap = bootstrapServers.get();
            registryUrl = config.worker().registryUrl().orElseThrow(() -> new IllegalStateException(
                    "kafka.bootstrap.servers is set, so labeler.worker.registry-url must be set too"));
        } else {
            LOG.info("kafka.bootstrap.servers is not set: starting the embedded broker and schema registry");
            cluster = EmbeddedCluster.start(Path.of(config.embedded().dataDir()), Path.of(config.embedded().registryHome()),
                    config.embedded().kafkaPort(), config.embedded().registryPort());
            bootstrap = cluster.bootstrapServers();
            registryUrl = cluster.registryUrl();
        }
        RegistryClient registry = LabelingAssembly.registry(config, registryUrl);
        Map<String, Object> client = new HashMap<>(config.worker().kafka());
        client.put("bootstrap.servers", bootstrap);
        if (config.worker().role() == Role.REVIEW) {
            // the review UI alone: no model, no labelling; one such instance serves the queue
            if (embedded) {
                LabelingAssembly.createEmbeddedTopics(config, client);
            }
            review.start(client, registry, topics, embedded);
            LOG.infof("review only: /review on %s (labeler.worker.role=review)", bootstrap);
            return;
        }
        int streamThreads = config.streamThreads();
        ModelOptions options = config.modelOptions(streamThreads);
        model = LabelModel.load(Path.of(config.model().path()), options);
        // the embedded broker always gets the pipeline's topics; an external cluster when asked
        LabelingAssembly run = LabelingAssembly.of(config, model, bootstrap, registry)
                .prepareTopics(embedded || config.worker().createTopics(), embedded);
        if (run.role() == Role.CHAMPION) {
            // the champion decides by the newest valid policy on labeler.policy, applied per record
            policy = new LivePolicy(client, registry, topics.policy(), ActivePolicy.of(run.policy()), meterRegistry)
                    .start(Duration.ofSeconds(30));
            run = run.withLivePolicy(policy);
        }
        run = run.withTracing(tracing());
        streams = run.streams(new LabelingMetrics(meterRegistry));
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meterRegistry);
        streams.start();
        LOG.infof("worker: %s (%s, %s; %d stream threads x %d ONNX Runtime threads) on %s", run.describe(),
                model.onGpu() ? "CUDA" : "CPU", model.precision(), run.streamThreads(), options.intraOpThreads(), bootstrap);
        if (config.review().enabled().orElse(embedded) && run.role() == Role.CHAMPION) {
            review.start(client, registry, topics, embedded);
        }
        if (cluster != null) {
            System.out.print(new EmbeddedBanner(bootstrap, registryUrl, cluster.dataDir(), topics.input(), topics.scored(),
                    model.demoLabels(), EmbeddedBanner.sampleImage(Path.of(config.model().path())), true).text());
            System.out.flush();
        }
        if (cluster != null && config.embedded().demo() && run.role() == Role.CHAMPION) {
            demo = new DemoFeed(bootstrap, registry, topics, model);
            demo.start();
        }
    }

    /** The OpenTelemetry the records are traced in: the app's when tracing is on, else a no-op (nothing traced). */
    OpenTelemetry tracing() {
        return tracingOff ? OpenTelemetry.noop() : telemetry;
    }

    /** Kafka Streams' state, or null before start. */
    public KafkaStreams.State state() {
        return streams == null ? null : streams.state();
    }

    public boolean modelLoaded() {
        return model != null;
    }

    /** What the readiness probe says ({@link WorkerHealth}). */
    public boolean ready() {
        return reviewOnly() ? reviewReady() : modelLoaded() && state() == KafkaStreams.State.RUNNING;
    }

    /** Whether this instance serves only the review UI ({@code labeler.worker.role=review}). */
    public boolean reviewOnly() {
        return config.worker().role() == Role.REVIEW;
    }

    /** Whether the review queue is loaded (review-only instances are ready then). */
    public boolean reviewReady() {
        return review.ready();
    }

    @PreDestroy
    synchronized void stop() {
        review.stop();
        if (demo != null) {
            demo.close();
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        if (streams != null) {
            streams.close(java.time.Duration.ofSeconds(30));
        }
        if (policy != null) {
            policy.close();
        }
        if (model != null) {
            model.close();
        }
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                LOG.warn("embedded broker did not close cleanly", e);
            }
        }
    }
}
