package org.difflabel.worker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.quarkus.runtime.Quarkus;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.config.LabelerConfig;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.embedded.EmbeddedRegistry;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelOptions;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.LabelingTopology;
import org.difflabel.stream.RetryOnFailure;
import org.difflabel.stream.StreamSettings;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.List;
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

    private KafkaStreamsMetrics streamsMetrics;

    private EmbeddedKafka kafka;
    private EmbeddedRegistry embeddedRegistry;
    private LabelModel model;
    private KafkaStreams streams;
    private DemoFeed demo;

    /** Runs until the process is asked to stop (SIGTERM, Ctrl-C). */
    public int run() throws Exception {
        start();
        Quarkus.waitForExit();
        return 0;
    }

    synchronized void start() throws Exception {
        LabelingTopics topics = new LabelingTopics(config.topics().input(), config.topics().scored(),
                config.topics().accepted(), config.topics().review(), config.topics().dlq());
        List<String> all = List.of(topics.input(), topics.scored(), topics.accepted(), topics.review(), topics.dlq());
        String bootstrap;
        String registryUrl;
        if (bootstrapServers.isPresent()) {
            bootstrap = bootstrapServers.get();
            registryUrl = config.worker().registryUrl().orElseThrow(() -> new IllegalStateException(
                    "kafka.bootstrap.servers is set, so labeler.worker.registry-url must be set too"));
            if (config.worker().createTopics()) {
                EmbeddedKafka.createTopics(bootstrap, all, config.worker().partitions());
            }
        } else {
            LOG.info("kafka.bootstrap.servers is not set: starting the embedded broker and schema registry");
            kafka = EmbeddedKafka.start(config.embedded().dataDir().map(Path::of).orElse(null));
            Path home = Path.of(config.embedded().registryHome());
            embeddedRegistry = EmbeddedRegistry.start(home);
            bootstrap = kafka.bootstrapServers();
            registryUrl = embeddedRegistry.url();
            kafka.createTopics(all, config.worker().partitions());
        }
        RegistrySettings rs = RegistrySettings.of(registryUrl).withMaxRetries(config.worker().registryMaxRetries());
        if (config.worker().registryUser().isPresent()) {
            rs = rs.withBasicAuth(config.worker().registryUser().get(), config.worker().registryPassword().orElse(""));
        }
        if (config.worker().registryTruststore().isPresent()) {
            rs = rs.withSslContext(trustStoreContext(Path.of(config.worker().registryTruststore().get()),
                    config.worker().registryTruststorePassword().orElse("")));
        }
        RegistryClient registry = new RegistryClient(rs);
        int streamThreads = config.streamThreads();
        ModelOptions options = config.modelOptions(streamThreads);
        model = LabelModel.load(Path.of(config.model().path()), options);
        var policy = config.triagePolicy();
        LabelingMetrics metrics = new LabelingMetrics(meterRegistry);
        var topology = LabelingTopology.build(topics, model, policy, registry, metrics);
        StreamSettings settings = new StreamSettings(config.worker().applicationId(), bootstrap,
                streamThreads, config.worker().maxPollRecords(), config.worker().maxPollIntervalMs(),
                config.worker().transactionTimeoutMs(), config.worker().commitIntervalMs(), config.worker().kafka());
        streams = new KafkaStreams(topology, settings.toProperties());
        streams.setUncaughtExceptionHandler(new RetryOnFailure());
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meterRegistry);
        streams.start();
        LOG.infof("worker %s labelling %s with %s %s (%s, %s; %d stream threads x %d ONNX Runtime threads; policy %s) on %s",
                config.worker().applicationId(), topics.input(), model.manifest().id(), model.manifest().version(),
                model.onGpu() ? "CUDA" : "CPU", model.precision(), streamThreads, options.intraOpThreads(),
                policy.version(), bootstrap);
        if (kafka != null && config.embedded().demo()) {
            demo = new DemoFeed(bootstrap, registry, topics, model);
            demo.start();
        }
    }

    private static javax.net.ssl.SSLContext trustStoreContext(Path file, String password) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        try (var in = java.nio.file.Files.newInputStream(file)) {
            ks.load(in, password.toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Kafka Streams' state, or null before start. */
    public KafkaStreams.State state() {
        return streams == null ? null : streams.state();
    }

    public boolean modelLoaded() {
        return model != null;
    }

    @PreDestroy
    synchronized void stop() {
        if (demo != null) {
            demo.close();
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        if (streams != null) {
            streams.close(java.time.Duration.ofSeconds(30));
        }
        if (model != null) {
            model.close();
        }
        if (embeddedRegistry != null) {
            embeddedRegistry.close();
        }
        if (kafka != null) {
            try {
                kafka.close();
            } catch (Exception e) {
                LOG.warn("embedded broker did not close cleanly", e);
            }
        }
    }
}
