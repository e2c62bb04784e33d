package org.difflabel.testsupport;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end tests' input: {@code event-0..n-1}, each a shipped sample digit (in turn) with the ten
 * digits as vocabulary, keyed by its event id, sent to a real broker in the Confluent wire format.
 */
public final class SampleEvents {
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private SampleEvents() {
    }

    /** The shipped sample images of the default model, in file-name order. */
    public static List<byte[]> images() {
        List<byte[]> images = new ArrayList<>();
        try (var s = Files.list(Path.of("onnx-models/mnist-ddpm/samples"))) {
            for (Path p : s.sorted().toList()) {
                images.add(Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }

    /** Sends {@code event-0..n-1} to {@code topic}; {@code partitions} > 0 puts event i on partition i % partitions. */
    public static void produce(String bootstrap, RegistryClient registry, String topic, int n, int partitions)
            throws Exception {
        produce(bootstrap, registry, topic, 0, n, partitions);
    }

    /** Sends {@code event-from..from+n-1}, as above. */
    public static void produce(String bootstrap, RegistryClient registry, String topic, int from, int n, int partitions)
            throws Exception {
        List<byte[]> images = images();
        AvroWireSerializer<ImageEvent> events = AvroWireSerializer.forValues(registry, ImageEvent.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < from + n; i++) {
                ImageEvent e = ImageEvent.newBuilder().setEventId("event-" + i)
                        .setImage(ByteBuffer.wrap(images.get(i % images.size()))).setContentType("image/png")
                        .setLabels(DIGITS).setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of())
                        .setProducedAt(Instant.now()).build();
                producer.send(new ProducerRecord<>(topic, partitions > 0 ? i % partitions : null,
                        ("event-" + i).getBytes(), events.serialize(topic, e)));
            }
        }
    }
}
