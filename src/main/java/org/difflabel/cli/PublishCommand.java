package org.difflabel.cli;

import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code publish --data DIR}: sends a folder of labelled images ({@code DIR/<label>/<image>}) to the
 * input topic as {@code ImageEvent}s, with the folder names as the vocabulary. With {@code --truth}
 * the known labels also go to {@code labels.reviewed} ({@code ReviewedLabel}, source DATASET,
 * reviewer {@code dataset:<DIR name>}), where comparisons and calibration use them as human labels.
 * Event ids are {@code <prefix><label>/<file>}: the same ids, the same noise, on every run.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Send a folder of labelled images (DIR/<label>/<image>) to the input topic.")
public class PublishCommand implements Callable<Integer> {
    @Inject
    LabelerConfig config;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "folder with one subfolder per label")
    Path data;

    @Option(names = "--truth", description = "also publish each image's folder label to labels.reviewed (source DATASET)")
    boolean truth;

    @Option(names = "--id-prefix", defaultValue = "", description = "prefix of the event ids")
    String idPrefix;

    @Option(names = "--limit", defaultValue = "0", description = "publish at most N images (0: all)")
    int limit;

    @Mixin
    ClusterArgs cluster;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(data)) {
            System.err.println("error: --data " + data + " is not a folder");
            return 2;
        }
        String bootstrap;
        String registryAt;
        try {
            bootstrap = cluster.bootstrap();
            registryAt = cluster.registry(config);
        } catch (CommandFailure e) {
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
        List<String> labels;
        try (Stream<Path> dirs = Files.list(data)) {
            labels = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        List<Path> images = new ArrayList<>();
        for (String label : labels) {
            try (Stream<Path> files = Files.list(data.resolve(label))) {
                files.filter(Files::isRegularFile).sorted().forEach(images::add);
            }
        }
        if (limit > 0 && images.size() > limit) {
            images = images.subList(0, limit);
        }
        RegistryClient registry = LabelingAssembly.registry(config, registryAt);
        var topics = LabelingAssembly.topics(config);
        AvroWireSerializer<ImageEvent> events = AvroWireSerializer.forValues(registry, ImageEvent.class);
        AvroWireSerializer<ReviewedLabel> reviewed = AvroWireSerializer.forValues(registry, ReviewedLabel.class);
        Map<String, Object> props = new HashMap<>(config.worker().kafka());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        String reviewer = "dataset:" + data.toAbsolutePath().normalize().getFileName();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            int n = 0;
            for (Path image : images) {
                String label = image.getParent().getFileName().toString();
                String id = idPrefix + label + "/" + image.getFileName();
                byte[] key = id.getBytes(StandardCharsets.UTF_8);
                Instant now = Instant.now();
                ImageEvent e = ImageEvent.newBuilder().setEventId(id).setImage(ByteBuffer.wrap(Files.readAllBytes(image)))
                        .setContentType(image.toString().endsWith(".png") ? "image/png" : "image/jpeg").setLabels(labels)
                        .setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of("source", reviewer))
                        .setProducedAt(now).build();
                producer.send(new ProducerRecord<>(topics.input(), key, events.serialize(topics.input(), e)));
                if (truth) {
                    ReviewedLabel r = ReviewedLabel.newBuilder().setEventId(id).setOutcome(ReviewOutcome.LABELLED)
                            .setFinalLabel(label).setReviewerId(reviewer).setReviewedAt(now).setSource(ReviewSource.DATASET)
                            .build();
                    producer.send(new ProducerRecord<>(topics.reviewed(), key, reviewed.serialize(topics.reviewed(), r)));
                }
                if (++n % 500 == 0) {
                    System.err.printf("published %d / %d%n", n, images.size());
                }
            }
            producer.flush();
            System.out.printf("published %d images of %d labels to %s%s%n", n, labels.size(), topics.input(),
                    truth ? " and their labels to " + topics.reviewed() : "");
        }
        return 0;
    }
}
