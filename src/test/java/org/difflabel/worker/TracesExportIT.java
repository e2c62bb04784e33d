package org.difflabel.worker;

import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.testsupport.SampleEvents;
import org.difflabel.testsupport.AppProcess;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged worker with nothing but an OTLP endpoint configured exports a span per event: its
 * embedded demo labels the sample images and dead-letters two bad records, and an OTLP/HTTP
 * receiver started here gets their spans (span names and attributes are plain strings inside the
 * protobuf requests). An event sent with a W3C traceparent gets a span in the producer's trace, and
 * its committed result on labels.scored carries that span's traceparent.
 */
class TracesExportIT {

    @Test
    void anEndpointAloneMakesTheWorkerExportASpanPerEvent() throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            try (InputStream raw = exchange.getRequestBody();
                 InputStream body = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                         ? new GZIPInputStream(raw) : raw) {
                byte[] bytes = body.readAllBytes();
                synchronized (received) {
                    received.writeBytes(bytes);
                }
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
            exchange.close();
        });
        collector.start();
        String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();
        try (AppProcess app = AppProcess.start("traces", Map.of(
                "quarkus.otel.exporter.otlp.endpoint", endpoint,
                "quarkus.otel.exporter.otlp.protocol", "http/protobuf"), "demo: published")) {
            // a producer's event in a trace of its own, over the worker's (embedded) broker
            String bootstrap = banner(app.output(), "bootstrap.servers=");
            RegistryClient registry = new RegistryClient(RegistrySettings.of(banner(app.output(), "registry.url=")));
            ImageEvent event = ImageEvent.newBuilder().setEventId("traced-over-kafka")
                    .setImage(ByteBuffer.wrap(SampleEvents.images().get(0))).setContentType("image/png")
                    .setLabels(SampleEvents.DIGITS).setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of())
                    .setProducedAt(Instant.now()).build();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>("images.requested", event.getEventId().getBytes(),
                        AvroWireSerializer.forValues(registry, ImageEvent.class).serialize("images.requested", event));
                r.headers().add("traceparent", ("00-" + PRODUCER_TRACE + "-" + PRODUCER_SPAN + "-01").getBytes());
                producer.send(r).get();
            }
            // its committed result names a span of the worker in the producer's trace
            String traceparent = committedTraceparent(bootstrap, "labels.scored", event.getEventId());
            assertThat(traceparent).startsWith("00-" + PRODUCER_TRACE + "-").endsWith("-01")
                    .doesNotContain(PRODUCER_SPAN);
            String workerSpan = traceparent.substring(36, 52);

            awaitReceived(received, "traced-over-kafka", Duration.ofSeconds(120));
            String spans = awaitReceived(received, "demo-unknown-label", Duration.ofSeconds(120));
            // OTLP carries ids as bytes: the worker's span, its trace and its parent (the producer's span)
            assertThat(spans).contains(bytes(workerSpan), bytes(PRODUCER_TRACE), bytes(PRODUCER_SPAN));
            assertThat(spans).contains("process images.requested", "labeler.event.id", "labeler.model.id",
                    "mnist-ddpm", "labeler.policy.version", "labeler.decision", "ACCEPTED", "DEAD_LETTER",
                    "UNKNOWN_LABEL", "messaging.kafka.offset", "demo-");
            // nothing of the request but its id (the digits of the vocabulary cannot be told from other bytes)
            assertThat(spans).doesNotContain("image/png", "\u0089PNG\r\n", "{label}");
        } finally {
            collector.stop(0);
        }
    }

    private static final String PRODUCER_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String PRODUCER_SPAN = "b7ad6b7169203331";

    /** The value of the banner line starting with {@code prefix}. */
    private static String banner(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow().substring(prefix.length()).trim();
    }

    /** The traceparent of {@code key}'s committed record on {@code topic}. */
    private static String committedTraceparent(String bootstrap, String topic, String key) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "traces-it-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            Instant end = Instant.now().plus(Duration.ofSeconds(120));
            while (Instant.now().isBefore(end)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Header h = r.headers().lastHeader("traceparent");
                    if (key.equals(new String(r.key(), StandardCharsets.UTF_8)) && h != null) {
                        return new String(h.value(), StandardCharsets.UTF_8);
                    }
                }
            }
            throw new AssertionError("no committed record of " + key + " with a traceparent on " + topic);
        }
    }

    /** Hex id -> the characters its bytes read as in ISO-8859-1 (how {@link #awaitReceived} reads the requests). */
    private static String bytes(String hex) {
        return new String(HexFormat.of().parseHex(hex), StandardCharsets.ISO_8859_1);
    }

    /** What the receiver got, once it contains {@code text}. */
    private static String awaitReceived(ByteArrayOutputStream received, String text, Duration timeout) throws Exception {
        Instant end = Instant.now().plus(timeout);
        while (true) {
            String s;
            synchronized (received) {
                s = received.toString(StandardCharsets.ISO_8859_1);
            }
            if (s.contains(text)) {
                return s;
            }
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("no span of " + text + " exported within " + timeout + "; received "
                        + s.length() + " bytes");
            }
            Thread.sleep(200);
        }
    }
}
