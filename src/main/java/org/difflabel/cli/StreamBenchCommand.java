package org.difflabel.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.classifier.Schedule;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.embedded.EmbeddedRegistry;
import org.difflabel.model.LabelModel;
import org.difflabel.model.LabelRequest;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.worker.LabelingAssembly;
import org.difflabel.worker.RescoreRun;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench-stream}: events/s through the whole worker (embedded broker, registry, Avro,
 * exactly-once transactions, routing) next to the classifier alone on the same images,
 * vocabulary and request ids (so the same noise and the same evaluations), in one run.
 * The worker is measured warm, as a long-running worker runs: a first batch of warm-up events
 * takes the start-up (task assignment, producer fencing, the JIT compiling Kafka's code, which
 * on two cores competes with ONNX Runtime); its time is printed too.
 */
@Command(name = "bench-stream", mixinStandardHelpOptions = true,
        description = "Worker throughput on the embedded broker vs. the classifier alone, same images.")
public class StreamBenchCommand extends ModelCommand {
    private static final String LATENCY = "labeler.classification.latency";

    @Option(names = "--events", defaultValue = "200", description = "timed events (default: ${DEFAULT-VALUE})")
    int events;

    @Option(names = "--warmup", defaultValue = "40",
            description = "events through the worker before timing (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--stream-threads", description = "worker stream threads (and input partitions); the classifier"
            + " alone runs as many callers in parallel (default: the worker's, labeler.worker.stream-threads)")
    Integer streamThreadsOption;

    @Option(names = "--rescore", description = "time a bounded rescore run (the challenger topology over a window of"
            + " warm-up + timed events) instead of the champion worker")
    boolean rescore;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "run against this broker (e.g. one started by the embedded command on other cores)"
                    + " instead of starting one in this process; needs --registry-url")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL", description = "the schema registry, with --bootstrap-servers")
    String registryUrl;

    @Option(names = "--by-reference", paramLabel = "s3://BUCKET/PREFIX/",
            description = "time the worker a second time on the same events by reference: the sample images are"
                    + " uploaded under this prefix (labeler.image.reference.s3.*: endpoint, path style, credentials),"
                    + " the events carry imageUri, and events/s by reference is printed next to inline with their ratio")
    String byReference;

    private int streamThreads;

    /** Per-event classification times (ms) of the last classifier-alone run. */
    private final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    private final java.util.concurrent.atomic.AtomicLong aloneEvaluations = new java.util.concurrent.atomic.AtomicLong();

    /** The broker and registry the run uses; closing stops them if this process started them. */
    private record Cluster(String bootstrap, String registryUrl, AutoCloseable owned) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            owned.close();
        }
    }

    private Cluster cluster() throws Exception {
        if (bootstrapServers != null) {
            if (registryUrl == null) {
                throw new CommandFailure("--bootstrap-servers needs --registry-url", 2);
            }
            return new Cluster(bootstrapServers, registryUrl, () -> { });
        }
        Path home = Path.of(config.embedded().registryHome());
        EmbeddedKafka kafka = EmbeddedKafka.start(null);
        try {
            EmbeddedRegistry reg = EmbeddedRegistry.start(home);
            return new Cluster(kafka.bootstrapServers(), reg.url(), () -> {
                reg.close();
                kafka.close();
            });
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    @Override
    int run() throws Exception {
        // topic names and group ids of their own, so that runs against one broker do not meet
        String run = "bench-" + Long.toHexString(System.currentTimeMillis()) + ".";
        LabelingTopics topics = LabelingAssembly.topics(config).prefixed(run);
        streamThreads = streamThreadsOption != null ? streamThreadsOption : config.streamThreads();
        try (LabelModel m = model.load(config, streamThreads)) {
            List<byte[]> samples = BenchCommand.sampleImages(m.folder());
            List<String> labels = m.demoLabels();
            Schedule stages = model.scheduleOrDefault(config, m, labels.size());
            int intraOp = model.options(config, streamThreads).intraOpThreads();
            System.out.printf(Locale.ROOT, "model %s %s, %d events (+%d warm-up) of %d labels, plan %s, intra-op threads %d,"
                            + " %d stream thread(s), %d cores, commit interval %d ms, max.poll.records %d%n",
                    m.manifest().id(), m.manifest().version(), events, warmup, labels.size(), stages, intraOp, streamThreads,
                    Runtime.getRuntime().availableProcessors(), config.worker().commitIntervalMs(),
                    config.worker().maxPollRecords());
            double alone1 = classifierAlone(m, samples, labels, stages);

            try (Cluster cluster = cluster()) {
                String bootstrap = cluster.bootstrap();
                EmbeddedKafka.createTopics(bootstrap, topics.all(), streamThreads);
                RegistryClient registry = LabelingAssembly.registry(config, cluster.registryUrl());
                AvroWireSerializer<ImageEvent> ser = AvroWireSerializer.forValues(registry, ImageEvent.class);
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                // the worker's own assembly and settings (labeler.worker.*), on this run's topics
                LabelingAssembly assembly = LabelingAssembly.of(config, m, bootstrap, registry).withTopics(topics)
                        .withApplicationId(run + "worker").withScoring(stages, model.temperature(config))
                        .withStreamThreads(streamThreads);
                String output = rescore ? topics.rescored() : topics.scored();
                Phase cold;
                Phase warm;
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                        bootstrap), new ByteArraySerializer(), new ByteArraySerializer());
                     KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                             ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                             ConsumerConfig.GROUP_ID_CONFIG, run + "reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                             "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                             new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    reader.subscribe(List.of(output));
                    if (rescore) {
                        // the window is fixed when the run starts: every event is on the topic first
                        send(producer, ser, topics, "warm-", warmup, samples, labels, streamThreads);
                        send(producer, ser, topics, "bench-", events, samples, labels, streamThreads);
                        RescoreRun rr = new RescoreRun(assembly, config.worker().kafka(), Duration.ofHours(1),
                                System.err, System.err);
                        var window = rr.resolve(null, null).window();
                        Throwable[] failed = {null};
                        Thread runner = new Thread(() -> {
                            try {
                                rr.run(window, new LabelingMetrics(meters));
                            } catch (Throwable e) {
                                failed[0] = e;
                            }
                        }, "bench-rescore");
                        Stats before = Stats.of(null, meters);
                        long t0 = System.nanoTime();
                        runner.start();
                        awaitPosteriors(reader, warmup, t0);
                        Stats between = Stats.of(null, meters);
                        long t1 = System.nanoTime();
                        awaitPosteriors(reader, warmup + events, t1);
                        long t2 = System.nanoTime();
                        Stats after = Stats.of(null, meters);
                        runner.join();
                        if (failed[0] != null) {
                            throw new CommandFailure("rescore failed: " + failed[0], 1);
                        }
                        cold = new Phase(warmup, (t1 - t0) / 1e9, between.minus(before));
                        warm = new Phase(events, (t2 - t1) / 1e9, after.minus(between));
                    } else {
                        Phase[] phases = worker(assembly, producer, reader, ser, samples, labels, meters, null);
                        cold = phases[0];
                        warm = phases[1];
                    }
                }
                Phase byRef = null;
                if (byReference != null && !rescore) {
                    byRef = byReference(assembly, topics.prefixed("ref."), run, bootstrap, ser, samples, labels);
                }
                double alone2 = classifierAlone(m, samples, labels, stages);
                double alone = (alone1 + alone2) / 2;
                System.out.println();
                System.out.println("| path | events/s |");
                System.out.println("|---|---|");
                System.out.printf(Locale.ROOT, "| classifier alone (before, after) | %.2f, %.2f (mean %.2f) |%n", alone1,
                        alone2, alone);
                System.out.printf(Locale.ROOT, "| %s, warm: Kafka + Avro + exactly-once + %s | %.2f |%n",
                        rescore ? "rescore" : "worker", rescore ? "window filter + comparison" : "routing", warm.rate());
                System.out.printf(Locale.ROOT, "| %s, first %d events (start-up included) | %.2f |%n", rescore ? "rescore" : "worker", warmup,
                        cold.rate());
                if (byRef != null) {
                    System.out.printf(Locale.ROOT, "| worker, warm, images by reference (%s) | %.2f |%n", byReference,
                            byRef.rate());
                    System.out.printf(Locale.ROOT, "%nratio worker by reference / inline bytes (warm): %.3f%n%s%n",
                            byRef.rate() / warm.rate(), fetchLine);
                }
                System.out.printf(Locale.ROOT, "%nratio %s (warm) / classifier alone: %.3f%n", rescore ? "rescore" : "worker",
                        warm.rate() / alone);
                System.out.printf(Locale.ROOT, "warm %s, %.2f s for %d events; in stream-thread seconds: classification"
                                + " %.2f (alone: %.2f), everything else %.2f, of which blocked on Kafka %.2f; %d commits%s%n",
                        rescore ? "rescore" : "worker", warm.seconds(), events, warm.stats().classifying(), streamThreads * events / alone,
                        streamThreads * warm.seconds() - warm.stats().classifying(), warm.stats().blocked(),
                        (long) warm.stats().commits(), rescore ? " (a rescore run's own Kafka Streams: blocked time and"
                                + " commits not measured)" : "");
                double[] ms = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                System.out.printf(Locale.ROOT, "noise-prediction evaluations per event (the same requests, alone and in the worker):"
                        + " mean %.1f%n", aloneEvaluations.get() / (double) events);
                System.out.printf(Locale.ROOT, "per-event classification, classifier alone (after): p50 %.1f ms, p95 %.1f ms"
                                + " (%d stream thread(s) x %d ONNX Runtime thread(s)); inside the warm worker: mean %.1f ms%n",
                        BenchCommand.percentile(ms, 50), BenchCommand.percentile(ms, 95), streamThreads, intraOp,
                        1000 * warm.stats().classifying() / events);
                System.out.printf(Locale.ROOT, "peak RSS %d MiB (this JVM%s)%n",
                        BenchCommand.peakRssKib() / 1024, bootstrapServers == null
                                ? ", broker included; the registry runs in its own" : "; broker and registry elsewhere");
            }
            return 0;
        }
    }

    /**
     * The champion worker on {@code assembly}'s topics: warm-up events (start-up included), then the
     * timed events. {@code refBase} null: images inline; else each event names sample {@code i} as
     * {@code refBase + i + ".png"} and carries no bytes.
     */
    private Phase[] worker(LabelingAssembly assembly, KafkaProducer<byte[], byte[]> producer,
                           KafkaConsumer<byte[], byte[]> reader, AvroWireSerializer<ImageEvent> ser, List<byte[]> samples,
                           List<String> labels, SimpleMeterRegistry meters, String refBase) {
        LabelingTopics topics = assembly.topics();
        try (KafkaStreams streams = assembly.streams(new LabelingMetrics(meters))) {
            Stats before = Stats.of(streams, meters);
            long t0 = System.nanoTime();
            send(producer, ser, topics, "warm-", warmup, samples, labels, streamThreads, refBase);
            streams.start();
            awaitPosteriors(reader, warmup, t0);
            Stats between = Stats.of(streams, meters);
            long t1 = System.nanoTime();
            send(producer, ser, topics, "bench-", events, samples, labels, streamThreads, refBase);
            awaitPosteriors(reader, warmup + events, t1);
            long t2 = System.nanoTime();
            Stats after = Stats.of(streams, meters);
            return new Phase[]{new Phase(warmup, (t1 - t0) / 1e9, between.minus(before)),
                    new Phase(events, (t2 - t1) / 1e9, after.minus(between))};
        }
    }

    /**
     * The same run with the images by reference: the samples uploaded under {@code --by-reference}
     * (its bucket allowed for this run), a worker of its own on topics of their own. Returns the warm phase.
     */
    private Phase byReference(LabelingAssembly inline, LabelingTopics topics, String run, String bootstrap,
                              AvroWireSerializer<ImageEvent> ser, List<byte[]> samples, List<String> labels)
            throws Exception {
        java.net.URI base = java.net.URI.create(byReference.endsWith("/") ? byReference : byReference + "/");
        if (!"s3".equals(base.getScheme()) || base.getHost() == null) {
            throw new CommandFailure("--by-reference takes s3://BUCKET/PREFIX/, got " + byReference, 2);
        }
        String bucket = base.getHost();
        String prefix = base.getPath().substring(1);
        var settings = config.imageFetchSettings();
        java.util.Set<String> buckets = new java.util.HashSet<>(settings.allowedBuckets());
        buckets.add(bucket);
        settings = settings.withAllowedBuckets(buckets.toArray(String[]::new));
        try (var s3 = org.difflabel.images.S3Clients.of(settings)) {
            for (int i = 0; i < samples.size(); i++) {
                String key = prefix + run + i + ".png";
                s3.putObject(b -> b.bucket(bucket).key(key).contentType("image/png"),
                        software.amazon.awssdk.core.sync.RequestBody.fromBytes(samples.get(i)));
            }
        }
        EmbeddedKafka.createTopics(bootstrap, topics.all(), streamThreads);
        LabelingAssembly assembly = inline.withTopics(topics).withApplicationId(run + "ref-worker")
                .withImages(new org.difflabel.images.ImageFetcher(settings));
        seen = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ConsumerConfig.GROUP_ID_CONFIG, run + "ref-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                     "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            reader.subscribe(List.of(topics.scored()));
            Phase warm = worker(assembly, producer, reader, ser, samples, labels, new SimpleMeterRegistry(),
                    "s3://" + bucket + "/" + prefix + run)[1];
            // what one fetch costs, alone: the part of the difference that is the store's
            double[] ms = new double[events];
            for (int i = 0; i < events; i++) {
                long t0 = System.nanoTime();
                assembly.images().fetch("s3://" + bucket + "/" + prefix + run + (i % samples.size()) + ".png");
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            java.util.Arrays.sort(ms);
            fetchLine = String.format(Locale.ROOT, "one fetch by reference, alone (%d in a row): p50 %.1f ms, p95 %.1f ms",
                    events, BenchCommand.percentile(ms, 50), BenchCommand.percentile(ms, 95));
            return warm;
        }
    }

    /** The fetch-alone line of a {@code --by-reference} run. */
    private String fetchLine;

    /** Events through the worker and the time they took, start to last committed posterior. */
    private record Phase(int events, double seconds, Stats stats) {
        double rate() {
            return events / seconds;
        }
    }

    /** Cumulative counters of the worker: classification seconds, commits, seconds blocked on Kafka. */
    private record Stats(double classifying, double commits, double blocked) {
        static Stats of(KafkaStreams streams, SimpleMeterRegistry meters) {
            Timer t = meters.find(LATENCY).timer();
            // a rescore run owns its Kafka Streams: its thread metrics are not at hand (null)
            return new Stats(t == null ? 0 : t.totalTime(TimeUnit.MILLISECONDS) / 1e3,
                    streams == null ? 0 : threadMetric(streams, "commit-total"),
                    streams == null ? 0 : threadMetric(streams, "blocked-time-ns-total") / 1e9);
        }

        Stats minus(Stats o) {
            return new Stats(classifying - o.classifying, commits - o.commits, blocked - o.blocked);
        }
    }

    private static double threadMetric(KafkaStreams streams, String name) {
        return streams.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals("stream-thread-metrics") && e.getKey().name().equals(name))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .filter(Double::isFinite).sum();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, AvroWireSerializer<ImageEvent> ser,
                             LabelingTopics topics, String idPrefix, int n, List<byte[]> samples, List<String> labels,
                             int partitions) {
        send(producer, ser, topics, idPrefix, n, samples, labels, partitions, null);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, AvroWireSerializer<ImageEvent> ser,
                             LabelingTopics topics, String idPrefix, int n, List<byte[]> samples, List<String> labels,
                             int partitions, String refBase) {
        for (int i = 0; i < n; i++) {
            int sample = i % samples.size();
            ImageEvent e = ImageEvent.newBuilder().setEventId(idPrefix + i)
                    .setImage(ByteBuffer.wrap(refBase == null ? samples.get(sample) : new byte[0]))
                    .setImageUri(refBase == null ? null : refBase + sample + ".png").setContentType("image/png")
                    .setLabels(labels).setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of())
                    .setProducedAt(Instant.now()).build();
            // round robin, as the callers of the classifier alone split the events: no thread idles on a short partition
            producer.send(new ProducerRecord<>(topics.input(), i % partitions, e.getEventId().getBytes(),
                    ser.serialize(topics.input(), e)));
        }
        producer.flush();
    }

    /** Outputs read so far: a poll may return more than the phase it ends, so phases wait for running totals. */
    private int seen;

    /** Waits until {@code total} outputs have been read since the run began. */
    private void awaitPosteriors(KafkaConsumer<byte[], byte[]> reader, int total, long since) {
        while (seen < total) {
            seen += reader.poll(Duration.ofMillis(100)).count();
            if ((System.nanoTime() - since) / 1e9 > 3600) {
                throw new CommandFailure("only " + seen + " of " + total + " posteriors after an hour", 1);
            }
        }
    }

    /** The same requests as the timed worker events, split over {@code streamThreads} callers. */
    private double classifierAlone(LabelModel m, List<byte[]> samples, List<String> labels, Schedule stages)
            throws InterruptedException {
        long start = System.nanoTime();
        List<Thread> callers = new ArrayList<>();
        latencies.clear();
        aloneEvaluations.set(0);
        for (int c = 0; c < streamThreads; c++) {
            int first = c;
            Thread t = new Thread(() -> {
                for (int i = first; i < events; i += streamThreads) {
                    long t0 = System.nanoTime();
                    aloneEvaluations.addAndGet(m.classify(new LabelRequest("bench-" + i, samples.get(i % samples.size()), labels,
                            null, stages, null, null)).evaluations());
                    latencies.add((System.nanoTime() - t0) / 1e6);
                }
            }, "bench-caller-" + c);
            t.start();
            callers.add(t);
        }
        for (Thread t : callers) {
            t.join();
        }
        return events / ((System.nanoTime() - start) / 1e9);
    }
}
