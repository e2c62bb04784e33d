package org.difflabel.worker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
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
        long earlier = recordsOn(topics.input());
        if (earlier > 0) {
            // the data folder kept an earlier run: its results are there, and publishing again would label it all twice
            System.out.printf(Locale.ROOT, "demo: %s already holds %d records from an earlier run (their results are kept);"
                    + " not publishing the samples again%n", topics.input(), earlier);
            return;
        }
        AvroWireSerializer<ImageEvent> events = AvroWireSerializer.forValues(registry, ImageEvent.class);
        List<String> labels = model.demoLabels();
        int n = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
             var samples = Files.list(model.folder().resolve("samples"))) {
            List<Path> pngs = samples.filter(f -> f.toString().endsWith(".png")).sorted().toList();
            for (Path p : pngs) {
                String id = "demo-" + p.getFileName();
                send(producer, events, id, Files.readAllBytes(p), labels);
                n++;
            }
            // ambiguous images, so the review queue (/review) has work: one sample of each digit blended
            // half and half with the digits 3, 4 and 5 after it (25 pairs); about a third go to review
            Map<String, Path> perDigit = new java.util.TreeMap<>();
            pngs.forEach(p -> perDigit.putIfAbsent(stem(p).split("-")[0], p));
            List<Path> digits = List.copyOf(perDigit.values());
            for (int k = 3; k <= 5; k++) {
                for (int i = 0; i < digits.size() && (k < 5 || i < digits.size() / 2 + (digits.size() % 2)); i++) {
                    Path a = digits.get(i);
                    Path b = digits.get((i + k) % digits.size());
                    send(producer, events, "demo-blend-" + stem(a) + "+" + stem(b) + ".png", blend(a, b), labels);
                    n++;
                }
            }
            // two records that cannot be labelled: they go to the dead-letter queue, the worker goes on
            send(producer, events, "demo-unknown-label", Files.readAllBytes(firstSample()), List.of("no-such-label"));
            producer.send(new ProducerRecord<>(topics.input(), "demo-not-avro".getBytes(), "plain text".getBytes()));
        }
        System.out.printf(Locale.ROOT, "demo: published %d sample and blended images and 2 bad records to %s%n", n, topics.input());
    }

    /** How many records a topic holds (the sum of its partitions' end offsets). */
    private long recordsOn(String topic) throws IOException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            return admin.listOffsets(partitions).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the end offsets of " + topic, e);
        } catch (ExecutionException e) {
            throw new IOException("cannot read the end offsets of " + topic + ": " + e.getCause(), e.getCause());
        }
    }

    private static String stem(Path p) {
        return p.getFileName().toString().replace(".png", "").replace("digit-", "");
    }

    /** The pixel-wise mean of two images of the same size, as PNG. */
    static byte[] blend(Path a, Path b) throws IOException {
        BufferedImage x = ImageIO.read(a.toFile());
        BufferedImage y = ImageIO.read(b.toFile());
        if (x.getWidth() != y.getWidth() || x.getHeight() != y.getHeight()) {
            throw new IOException("cannot blend " + a + " and " + b + ": sizes differ");
        }
        BufferedImage out = new BufferedImage(x.getWidth(), x.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        for (int r = 0; r < x.getHeight(); r++) {
            for (int c = 0; c < x.getWidth(); c++) {
                int g = ((x.getRGB(c, r) & 0xff) + (y.getRGB(c, r) & 0xff)) / 2;
                out.setRGB(c, r, 0xff000000 | g << 16 | g << 8 | g);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(out, "png", png);
        return png.toByteArray();
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
