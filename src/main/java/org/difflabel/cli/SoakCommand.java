package org.difflabel.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.classifier.Schedule;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.embedded.EmbeddedRegistry;
import org.difflabel.images.FetchSettings;
import org.difflabel.images.ImageFetcher;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.soak.MemoryTrend;
import org.difflabel.soak.Poison;
import org.difflabel.soak.SoakInputs;
import org.difflabel.soak.Tally;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code soak}: a bounded load test of the worker with poison. Good events at a steady rate, every
 * {@link Poison} kind mixed in among them, through the worker's own assembly on the embedded broker
 * and registry; then checks that every good event was scored exactly once, every poison record got
 * its outcome exactly once (read {@code read_committed}), the worker never stopped, and heap (after
 * GC) and RSS stayed flat. Prints a report; exits 1 when a check fails.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Load test with poison: good events at a steady rate mixed with every kind of bad input; checks"
                + " exactly-once outcomes, that the worker never stopped, and that memory stayed flat.")
public class SoakCommand extends ModelCommand {
    @Option(names = "--good", defaultValue = "3000", description = "good events (default: ${DEFAULT-VALUE})")
    int good;

    @Option(names = "--copies", defaultValue = "3", description = "records of each poison kind (default: ${DEFAULT-VALUE})")
    int copies;

    @Option(names = "--rate", defaultValue = "10", description = "events sent per second, good and bad together"
            + " (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--stream-threads", description = "worker stream threads (and input partitions)"
            + " (default: labeler.worker.stream-threads)")
    Integer streamThreadsOption;

    @Option(names = "--sample-every", defaultValue = "5", description = "seconds between memory samples"
            + " (default: ${DEFAULT-VALUE})")
    double sampleEvery;

    @Option(names = "--settle", defaultValue = "0.25", description = "share of the sending time not counted in the"
            + " memory slopes: start-up (default: ${DEFAULT-VALUE})")
    double settle;

    @Option(names = "--max-heap-slope", defaultValue = "4", description = "MiB/min of heap after GC that fails the run"
            + " (default: ${DEFAULT-VALUE})")
    double maxHeapSlope;

    @Option(names = "--max-rss-slope", defaultValue = "16", description = "MiB/min of RSS that fails the run"
            + " (default: ${DEFAULT-VALUE})")
    double maxRssSlope;

    @Option(names = "--drain-timeout", defaultValue = "180", description = "seconds without a new output, after the"
            + " last event is sent, before the run gives up waiting (default: ${DEFAULT-VALUE})")
    int drainTimeout;

    /** One record to send: its key, and its poison kind (null: a good event). */
    private record Planned(String key, Poison kind) {
    }

    @Override
    int run() throws Exception {
        String run = "soak-" + Long.toHexString(System.currentTimeMillis()) + ".";
        LabelingTopics topics = LabelingAssembly.topics(config).prefixed(run);
        int streamThreads = streamThreadsOption != null ? streamThreadsOption : config.streamThreads();
        List<Planned> plan = plan();
        try (LabelModel m = model.load(config, streamThreads)) {
            if (m.isText()) {
                // blank labels, unknown words and templates without {label} are BAD_PROMPT there
                throw new CommandFailure("soak: the expected outcomes are a class-conditional model's; "
                        + m.manifest().id() + " is text-conditioned", 2);
            }
            List<byte[]> samples = BenchCommand.sampleImages(m.folder());
            List<String> labels = m.demoLabels();
            Schedule schedule = model.scheduleOrDefault(config, m, labels.size());
            int poison = plan.size() - good;
            System.out.printf(Locale.ROOT, "model %s %s, plan %s, %d stream thread(s), %d cores; %d good events and %d"
                            + " poison records (%d kinds x %d) at %.1f events/s: about %.0f s of sending%n",
                    m.manifest().id(), m.manifest().version(), schedule, streamThreads,
                    Runtime.getRuntime().availableProcessors(), good, poison, Poison.values().length, copies, rate,
                    plan.size() / rate);
            EmbeddedKafka kafka = EmbeddedKafka.start(null);
            try (kafka; EmbeddedRegistry reg = EmbeddedRegistry.start(Path.of(config.embedded().registryHome()))) {
                String bootstrap = kafka.bootstrapServers();
                EmbeddedKafka.createTopics(bootstrap, topics.all(), streamThreads);
                RegistryClient registry = LabelingAssembly.registry(config, reg.url());
                SoakInputs inputs = new SoakInputs(registry, topics.input(), samples, labels, config.model().maxLabels());
                // nothing allowed by reference, whatever the configuration: the refusals' codes are fixed
                LabelingAssembly assembly = LabelingAssembly.of(config, m, bootstrap, registry).withTopics(topics)
                        .withApplicationId(run + "worker").withScoring(schedule, model.temperature(config))
                        .withStreamThreads(streamThreads).withImages(new ImageFetcher(FetchSettings.NONE));
                Tally tally = new Tally();
                List<byte[]> values = new ArrayList<>(plan.size());
                for (Planned p : plan) {
                    if (p.kind() == null) {
                        tally.expectScored(p.key());
                        values.add(inputs.serialize(inputs.goodEvent(p.key()).build()));
                    } else {
                        if (p.kind().scored()) {
                            tally.expectScored(p.key());
                        } else {
                            tally.expectDeadLetter(p.key(), p.kind().expected());
                        }
                        values.add(p.kind().value(p.key(), inputs));
                    }
                }
                return soak(assembly, registry, plan, values, tally, streamThreads);
            }
        }
    }

    /** Good events and {@code copies} of each poison kind, shuffled with a fixed seed. */
    private List<Planned> plan() {
        List<Planned> plan = new ArrayList<>();
        for (int i = 0; i < good; i++) {
            plan.add(new Planned("good-" + i, null));
        }
        for (Poison p : Poison.values()) {
            for (int c = 0; c < copies; c++) {
                plan.add(new Planned("bad-" + p.name() + "-" + c, p));
            }
        }
        Collections.shuffle(plan, new Random(16));
        return plan;
    }

    private int soak(LabelingAssembly assembly, RegistryClient registry, List<Planned> plan, List<byte[]> values,
                     Tally tally, int streamThreads) throws Exception {
        LabelingTopics topics = assembly.topics();
        String bootstrap = assembly.bootstrap();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MemoryTrend memory = new MemoryTrend();
        List<String> states = new CopyOnWriteArrayList<>();
        Set<String> threadNames = Collections.synchronizedSet(new TreeSet<>());
        AvroWireDeserializer<LabelPosterior> posteriors = new AvroWireDeserializer<>(registry, LabelPosterior.class);
        AvroWireDeserializer<DeadLetter> letters = new AvroWireDeserializer<>(registry, DeadLetter.class);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "soak-sampler"));
        long t0 = System.nanoTime();
        double sendSeconds;
        String finalState;
        try (KafkaStreams streams = assembly.streams(new LabelingMetrics(meters));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                     "linger.ms", 0), new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ConsumerConfig.GROUP_ID_CONFIG, assembly.applicationId() + "-reader",
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            streams.setStateListener((now, before) -> states.add(before + "->" + now));
            reader.subscribe(List.of(topics.scored(), topics.dlq()));
            sampler.scheduleAtFixedRate(() -> {
                streams.metadataForLocalThreads().forEach(t -> threadNames.add(t.threadName()));
                memory.add(new MemoryTrend.Sample((System.nanoTime() - t0) / 1e9, MemoryTrend.heapAfterGcMib(),
                        MemoryTrend.rssMib()));
            }, 0, (long) (sampleEvery * 1000), TimeUnit.MILLISECONDS);
            streams.start();

            // the sender keeps the rate on its own thread; this one reads the outputs meanwhile
            long[] sendNanos = {0};
            Thread sender = new Thread(() -> {
                long start = System.nanoTime();
                for (int i = 0; i < plan.size(); i++) {
                    long due = start + (long) (i * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    producer.send(new ProducerRecord<>(topics.input(), i % streamThreads,
                            plan.get(i).key().getBytes(StandardCharsets.UTF_8), values.get(i)));
                }
                producer.flush();
                sendNanos[0] = System.nanoTime() - start;
            }, "soak-sender");
            sender.start();
            long lastProgress = System.nanoTime();
            while (sender.isAlive() || !tally.complete()) {
                int n = read(reader, topics.dlq(), posteriors, letters, tally);
                if (n > 0 || sender.isAlive()) {
                    lastProgress = System.nanoTime();
                } else if ((System.nanoTime() - lastProgress) / 1e9 > drainTimeout) {
                    System.out.printf("no new output for %d s: stopped waiting%n", drainTimeout);
                    break;
                }
            }
            sender.join();
            sendSeconds = sendNanos[0] / 1e9;
            double doneSeconds = (System.nanoTime() - t0) / 1e9;
            // a little longer: a duplicate would arrive after the expected count was reached
            long extra = System.nanoTime();
            while ((System.nanoTime() - extra) / 1e9 < 10) {
                read(reader, topics.dlq(), posteriors, letters, tally);
            }
            streams.metadataForLocalThreads().forEach(t -> threadNames.add(t.threadName()));
            finalState = streams.state().name();
            sampler.shutdownNow();
            sampler.awaitTermination(30, TimeUnit.SECONDS);
            memory.add(new MemoryTrend.Sample((System.nanoTime() - t0) / 1e9, MemoryTrend.heapAfterGcMib(),
                    MemoryTrend.rssMib()));
            return report(plan, tally, memory, states, threadNames, finalState, meters, streamThreads, sendSeconds,
                    doneSeconds);
        } finally {
            sampler.shutdownNow();
        }
    }

    private static int read(KafkaConsumer<byte[], byte[]> reader, String dlq, AvroWireDeserializer<LabelPosterior> posteriors,
                            AvroWireDeserializer<DeadLetter> letters, Tally tally) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
            n++;
            if (r.topic().equals(dlq)) {
                DeadLetter d = letters.deserialize(r.topic(), r.value());
                byte[] key = d.getKey() == null ? new byte[0] : toArray(d.getKey());
                tally.deadLettered(new String(key, StandardCharsets.UTF_8), d.getErrorCode());
            } else {
                LabelPosterior p = posteriors.deserialize(r.topic(), r.value());
                String key = new String(r.key(), StandardCharsets.UTF_8);
                tally.scored(key.equals(p.getEventId()) ? key : key + " (eventId " + p.getEventId() + ")");
            }
        }
        return n;
    }

    private static byte[] toArray(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private int report(List<Planned> plan, Tally tally, MemoryTrend memory, List<String> states, Set<String> threadNames,
                       String finalState, SimpleMeterRegistry meters, int streamThreads, double sendSeconds,
                       double doneSeconds) {
        boolean ok = true;
        System.out.println();
        System.out.printf(Locale.ROOT, "sent %d records in %.1f s (%.2f/s, asked %.2f/s); last outcome after %.1f s (%.2f"
                        + " events/s through the worker)%n", plan.size(), sendSeconds, plan.size() / sendSeconds, rate,
                doneSeconds, plan.size() / doneSeconds);

        System.out.println();
        System.out.println("| poison | records | expected | received |");
        System.out.println("|---|---|---|---|");
        Map<ErrorCode, Integer> byCode = tally.deadLettersByCode();
        for (Poison p : Poison.values()) {
            Map<String, Integer> got = new java.util.TreeMap<>();
            plan.stream().filter(x -> x.kind() == p).forEach(x -> got.merge(tally.outcome(x.key()), 1, Integer::sum));
            StringBuilder received = new StringBuilder();
            got.forEach((outcome, n) -> received.append(received.length() == 0 ? "" : ", ").append(n).append(" ")
                    .append(outcome));
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %s |%n", p.name(), copies,
                    p.scored() ? "scored" : p.expected().name(), received);
        }
        Map<String, Integer> goodGot = new java.util.TreeMap<>();
        plan.stream().filter(x -> x.kind() == null).forEach(x -> goodGot.merge(tally.outcome(x.key()), 1, Integer::sum));
        System.out.printf(Locale.ROOT, "| (good events) | %d | scored | %s |%n", good, goodGot);
        System.out.println();
        Map<ErrorCode, Integer> wanted = new EnumMap<>(ErrorCode.class);
        for (Poison p : Poison.values()) {
            if (!p.scored()) {
                wanted.merge(p.expected(), copies, Integer::sum);
            }
        }
        System.out.println("dead letters by code, expected -> received: " + wanted + " -> " + byCode);

        List<String> problems = tally.problems(20);
        ok &= check(problems.isEmpty(), String.format(Locale.ROOT, "every record's outcome exactly once (%d posteriors,"
                + " %d dead letters read, read_committed)", tally.scoredTotal(), tally.deadLetterTotal()));
        problems.forEach(p -> System.out.println("    " + p));

        double transients = meters.find("labeler.transient.failures").counters().stream().mapToDouble(Counter::count).sum();
        int replaced = Math.max(0, threadNames.size() - streamThreads);
        boolean neverStopped = states.stream().noneMatch(s -> s.endsWith("ERROR") || s.endsWith("PENDING_SHUTDOWN")
                || s.endsWith("NOT_RUNNING")) && "RUNNING".equals(finalState);
        ok &= check(neverStopped, "the worker never stopped: state " + finalState + " at the end; transitions " + states);
        ok &= check(replaced <= transients, String.format(Locale.ROOT, "stream threads replaced: %d (threads seen %s);"
                + " transient failures that would explain them: %.0f", replaced, threadNames, transients));

        List<MemoryTrend.Sample> s = memory.samples();
        double from = settle * sendSeconds;
        double heapSlope = memory.slopePerMinute(true, from);
        double rssSlope = memory.slopePerMinute(false, from);
        MemoryTrend.Sample first = s.get(0);
        MemoryTrend.Sample middle = s.get(s.size() / 2);
        MemoryTrend.Sample last = s.get(s.size() - 1);
        System.out.printf(Locale.ROOT, "memory, %d samples every %.0f s (heap after a full GC; RSS of this JVM, the broker"
                        + " included):%n", s.size(), sampleEvery);
        for (MemoryTrend.Sample x : List.of(first, middle, last)) {
            System.out.printf(Locale.ROOT, "    t=%6.1f s  heap %6.1f MiB  RSS %6.1f MiB%n", x.seconds(), x.heapMib(),
                    x.rssMib());
        }
        System.out.printf(Locale.ROOT, "    peak   heap %6.1f MiB  RSS %6.1f MiB (peak RSS of the run: %d MiB)%n",
                s.stream().mapToDouble(MemoryTrend.Sample::heapMib).max().orElse(0),
                s.stream().mapToDouble(MemoryTrend.Sample::rssMib).max().orElse(0), BenchCommand.peakRssKib() / 1024);
        ok &= check(heapSlope <= maxHeapSlope, String.format(Locale.ROOT, "heap flat: slope %+.2f MiB/min from t=%.0f s"
                + " (limit %.1f)", heapSlope, from, maxHeapSlope));
        ok &= check(rssSlope <= maxRssSlope, String.format(Locale.ROOT, "RSS flat: slope %+.2f MiB/min from t=%.0f s"
                + " (limit %.1f)", rssSlope, from, maxRssSlope));
        System.out.println(ok ? "soak passed" : "soak FAILED");
        return ok ? 0 : 1;
    }

    private static boolean check(boolean passed, String what) {
        System.out.println((passed ? "PASS " : "FAIL ") + what);
        return passed;
    }
}
