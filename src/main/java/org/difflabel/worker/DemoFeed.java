package org.difflabel.worker;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.model.LabelModel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.stream.LabelingTopics;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The embedded default's demo: publishes the model's sample images (each with the model's demo
 * vocabulary) and two bad records, then prints every output the worker commits, readably.
 */
final class DemoFeed implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DemoFeed.class);

    private final String bootstrap;
    private final RegistryClient registry;
    private final LabelingTopics topics;
    private final LabelModel model;
    private final Thread printer;
    private volatile boolean running = true;

    DemoFeed(String bootstrap, RegistryClient registry, LabelingTopics topics, LabelModel model) {
        this.bootstrap = bootstrap;
        this.registry = registry;
        this.topics = topics;
        this.model = model;
        this.printer = new Thread(this::print, "demo-printer");
        this.printer.setDaemon(true);
    }

    void start() throws IOException {
        printer.start();
        AvroWireSerializer<ImageEvent> events = AvroWireSerializer.forValues(registry, ImageEvent.class);
        List<String> labels = model.demoLabels();
        int n = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
             var samples = Files.list(model.folder().resolve("samples"))) {
            for (Path p : samples.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                String id = "demo-" + p.getFileName();
                send(producer, events, id, Files.readAllBytes(p), labels);
                n++;
            }
            // two records that cannot be labelled: they go to the dead-letter queue, the worker goes on
            send(producer, events, "demo-unknown-label", Files.readAllBytes(firstSample()), List.of("no-such-label"));
            producer.send(new ProducerRecord<>(topics.input(), "demo-not-avro".getBytes(), "plain text".getBytes()));
        }
        System.out.printf(Locale.ROOT, "demo: published %d sample images and 2 bad records to %s%n", n, topics.input());
    }

    private Path firstSample() throws IOException {
        try (var s = Files.list(model.folder().resolve("samples"))) {
            return s.filter(f -> f.toString().endsWith(".png")).sorted().findFirst().orElseThrow();
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, AvroWireSerializer<ImageEvent> events, String id,
                      byte[] image, List<String> labels) {
        ImageEvent e = ImageEvent.newBuilder().setEventId(id).setImage(ByteBuffer.wrap(image)).setContentType("image/png")
                .setLabels(labels).setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of("source", "demo"))
                .setProducedAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(topics.input(), id.getBytes(), events.serialize(topics.input(), e)));
    }

    /** Prints committed outputs (read_committed) until closed. */
    private void print() {
        var posteriors = new AvroWireDeserializer<>(registry, LabelPosterior.class);
        var reviews = new AvroWireDeserializer<>(registry, ReviewTask.class);
        var dead = new AvroWireDeserializer<>(registry, DeadLetter.class);
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "demo-printer", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(topics.scored(), topics.review(), topics.dlq()));
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.topic().equals(topics.scored())) {
                        LabelPosterior p = posteriors.deserialize(r.topic(), r.value());
                        System.out.printf(Locale.ROOT, "%-16s %-28s -> %-10s p=%.3f margin=%.3f %s (%s)%n", r.topic(),
                                p.getEventId(), p.getTopLabel(), p.getConfidence(), p.getMargin(), p.getDecision(),
                                top3(p.getPosterior()));
                    } else if (r.topic().equals(topics.review())) {
                        ReviewTask t = reviews.deserialize(r.topic(), r.value());
                        System.out.printf(Locale.ROOT, "%-16s %-28s priority %d: %s%n", r.topic(), t.getEventId(),
                                t.getPriority(), t.getDecisionReason());
                    } else {
                        DeadLetter d = dead.deserialize(r.topic(), r.value());
                        System.out.printf(Locale.ROOT, "%-16s %-28s %s at %s: %s%n", r.topic(),
                                d.getEventId() == null ? "(undecodable)" : d.getEventId(), d.getErrorCode(), d.getStage(),
                                d.getMessage());
                    }
                }
            }
        } catch (RuntimeException e) {
            if (running) {
                LOG.warn("demo printer stopped", e);
            }
        }
    }

    private static String top3(List<LabelProbability> posterior) {
        return posterior.stream().limit(3).map(p -> String.format(Locale.ROOT, "%s %.3f", p.getLabel(), p.getProbability()))
                .collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        running = false;
        try {
            printer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
