package org.difflabel.review;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.images.ImageFetcher;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.RegistryClient;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task's image: inline in the task when the worker put it there, by reference (fetched here, by
 * the server, under the worker's allowlist and limits: a reviewer's browser never gets the URI),
 * otherwise read from the input record the task names ({@code source}: topic, partition, offset).
 * A refused reference throws {@link org.difflabel.images.ImageFetchException}, a store that cannot
 * be read {@link org.difflabel.images.ImageStoreUnavailableException}.
 */
public final class InputImages {
    /** An image and its media type. */
    public record Image(byte[] bytes, String contentType) {
    }

    private final Map<String, Object> clientSettings;
    private final AvroWireDeserializer<ImageEvent> events;
    private final ImageFetcher fetcher;

    public InputImages(Map<String, Object> clientSettings, RegistryClient registry, ImageFetcher fetcher) {
        this.fetcher = fetcher;
        this.clientSettings = new HashMap<>(clientSettings);
        this.clientSettings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.clientSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.clientSettings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        this.events = new AvroWireDeserializer<>(registry, ImageEvent.class);
    }

    /** The image of {@code task}, or empty when its input record is gone (retention) or holds another event. */
    public Optional<Image> of(ReviewTask task) {
        if (task.getImage() != null) {
            return Optional.of(new Image(bytes(task.getImage()), contentType(task.getContentType())));
        }
        if (task.getImageUri() != null) {
            return Optional.of(fetched(task.getImageUri()));
        }
        Lineage at = task.getSource();
        TopicPartition tp = new TopicPartition(at.getTopic(), at.getPartition());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(clientSettings, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seek(tp, at.getOffset());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.offset() != at.getOffset()) {
                        return Optional.empty(); // the record was removed by retention
                    }
                    ImageEvent e = events.deserialize(at.getTopic(), r.value());
                    if (!e.getEventId().equals(task.getEventId())) {
                        return Optional.empty();
                    }
                    if (e.getImageUri() != null) {
                        return Optional.of(fetched(e.getImageUri()));
                    }
                    return Optional.of(new Image(bytes(e.getImage()), contentType(e.getContentType())));
                }
            }
            return Optional.empty();
        }
    }

    private Image fetched(String uri) {
        byte[] b = fetcher.fetch(uri);
        return new Image(b, ImageFetcher.contentType(b));
    }

    private static String contentType(CharSequence declared) {
        return declared == null ? "application/octet-stream" : declared.toString();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
