package org.difflabel.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.difflabel.classifier.Stage;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.embedded.EmbeddedRegistry;
import org.difflabel.model.LabelModel;
import org.difflabel.model.LabelRequest;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.LabelingTopology;
import org.difflabel.stream.StreamSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench-stream}: events/s through the whole worker (embedded broker, registry, Avro,
 * exactly-once transactions, routing) next to the classifier alone on the same images and
 * vocabulary, in one run.
 */
@Command(name = "bench-stream", mixinStandardHelpOptions = true,
        description = "Worker throughput on the embedded broker vs. the classifier alone, same images.")
public class StreamBenchCommand extends ModelCommand {
    @Option(names = "--events", defaultValue = "200", description = "events (default: ${DEFAULT-VALUE})")
    int events;

    @Override
    int run() throws Exception {
        LabelingTopics topics = LabelingTopics.DEFAULTS;
        try (LabelModel m = model.load(config)) {
            List<byte[]> samples = BenchCommand.sampleImages(m.folder());
            List<String> labels = m.demoLabels();
            List<Stage> stages = model.stages(config) != null ? model.stages(config) : m.defaultStages(labels.size());
            System.out.printf(Locale.ROOT, "model %s %s, %d events of %d labels, stages %s, intra-op threads %d, %d cores%n",
                    m.manifest().id(), m.manifest().version(), events, labels.size(), stages,
                    model.options(config).intraOpThreads(), Runtime.getRuntime().availableProcessors());
            double alone1 = classifierAlone(m, samples, labels, stages);

            Path home = Path.of(config.embedded().registryHome());
            try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
                 EmbeddedRegistry reg = EmbeddedRegistry.start(home, home.resolveSibling("apicurio-registry.log"))) {
                kafka.createTopics(List.of(topics.input(), topics.scored(), topics.accepted(), topics.review(),
                        topics.dlq()), 1);
                RegistryClient registry = new RegistryClient(RegistrySettings.of(reg.url()));
                AvroWireSerializer<ImageEvent> ser = AvroWireSerializer.forValues(registry, ImageEvent.class);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                        kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                    for (int i = 0; i < events; i++) {
                        ImageEvent e = ImageEvent.newBuilder().setEventId("bench-" + i)
                                .setImage(ByteBuffer.wrap(samples.get(i % samples.size()))).setContentType("image/png")
                                .setLabels(labels).setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of())
                                .setProducedAt(Instant.now()).build();
                        producer.send(new ProducerRecord<>(topics.input(), e.getEventId().getBytes(),
                                ser.serialize(topics.input(), e)));
                    }
                }
                var policy = config.triagePolicy();
                var topology = LabelingTopology.build(topics, m, policy, registry, LabelingMetrics.none());
                StreamSettings settings = new StreamSettings("bench-stream", kafka.bootstrapServers(), 1, 1, 600_000,
                        300_000, config.worker().commitIntervalMs(), config.worker().kafka());
                double streamed;
                try (KafkaStreams streams = new KafkaStreams(topology, settings.toProperties());
                     KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                             ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                             ConsumerConfig.GROUP_ID_CONFIG, "bench-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                             "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                             new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    reader.subscribe(List.of(topics.scored()));
                    streams.start();
                    while (streams.state() != KafkaStreams.State.RUNNING) {
                        Thread.sleep(20);
                    }
                    long start = System.nanoTime();
                    int got = 0;
                    while (got < events) {
                        got += reader.poll(Duration.ofMillis(100)).count();
                        if ((System.nanoTime() - start) / 1e9 > 3600) {
                            throw new CommandFailure("only " + got + " of " + events + " posteriors after an hour", 1);
                        }
                    }
                    streamed = events / ((System.nanoTime() - start) / 1e9);
                }
                double alone2 = classifierAlone(m, samples, labels, stages);
                double alone = (alone1 + alone2) / 2;
                System.out.println();
                System.out.println("| path | events/s |");
                System.out.println("|---|---|");
                System.out.printf(Locale.ROOT, "| classifier alone (before, after) | %.2f, %.2f (mean %.2f) |%n", alone1,
                        alone2, alone);
                System.out.printf(Locale.ROOT, "| worker: Kafka + Avro + exactly-once + routing | %.2f |%n", streamed);
                System.out.printf(Locale.ROOT, "%nratio worker / classifier alone: %.3f%n", streamed / alone);
                System.out.printf(Locale.ROOT, "peak RSS %d MiB (this JVM; the registry runs in its own)%n",
                        BenchCommand.peakRssKib() / 1024);
            }
            return 0;
        }
    }

    private double classifierAlone(LabelModel m, List<byte[]> samples, List<String> labels, List<Stage> stages) {
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            m.classify(new LabelRequest("bench-" + i, samples.get(i % samples.size()), labels, null, stages, null));
        }
        return events / ((System.nanoTime() - start) / 1e9);
    }
}
