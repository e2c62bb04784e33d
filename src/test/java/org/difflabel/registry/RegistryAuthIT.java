package org.difflabel.registry;

import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.stream.RetryOnFailure;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Registry basic auth against the real registry behind an authenticating proxy started by the test
 * (as a Confluent registry with basic auth behaves): the right credentials work on every call, wrong
 * ones are refused at once (no retry) and stop a worker instead of looping, and the password never
 * reaches a log line.
 */
class RegistryAuthIT {
    private static final String USER = "labeler";
    private static final String PASSWORD = "registry-secret-" + System.nanoTime();
    private static HttpServer proxy;
    private static final AtomicInteger requests = new AtomicInteger();
    private static final AtomicInteger refused = new AtomicInteger();
    private static final List<String> logs = new CopyOnWriteArrayList<>();
    private static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logs.add(r.getMessage() + " " + (r.getParameters() == null ? "" : List.of(r.getParameters())) + " "
                    + r.getThrown());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void authenticatingProxy() throws Exception {
        String upstream = RegistryServer.shared().url();
        String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newHttpClient();
        proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", exchange -> {
            requests.incrementAndGet();
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                refused.incrementAndGet();
                byte[] body = "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
                exchange.sendResponseHeaders(401, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            try (InputStream in = exchange.getRequestBody()) {
                String path = exchange.getRequestURI().getRawPath().replaceFirst("^/apis/ccompat/v7", "");
                String query = exchange.getRequestURI().getRawQuery();
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + path + (query == null ? "" : "?" + query)))
                        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(in.readAllBytes()));
                String type = exchange.getRequestHeaders().getFirst("Content-Type");
                if (type != null) {
                    b.header("Content-Type", type);
                }
                HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                exchange.getResponseHeaders().add("Content-Type", r.headers().firstValue("Content-Type")
                        .orElse("application/json"));
                exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(r.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
            }
        });
        proxy.start();
        Logger.getLogger("").addHandler(capture);
    }

    @AfterAll
    static void stop() {
        Logger.getLogger("").removeHandler(capture);
        proxy.stop(0);
    }

    private static String url() {
        return "http://127.0.0.1:" + proxy.getAddress().getPort() + "/apis/ccompat/v7";
    }

    private static ImageEvent event() {
        return ImageEvent.newBuilder().setEventId("auth").setImage(ByteBuffer.wrap(new byte[]{1, 2, 3}))
                .setContentType("image/png").setLabels(List.of("a", "b")).setPromptTemplate(null).setLabelPriors(null)
                .setMetadata(Map.of()).setProducedAt(Instant.now()).build();
    }

    @Test
    void theRightCredentialsWorkOnEveryCall() {
        RegistryClient ok = new RegistryClient(RegistrySettings.of(url()).withBasicAuth(USER, PASSWORD));
        int before = refused.get();
        String topic = "auth-ok-" + System.nanoTime();
        byte[] wire = AvroWireSerializer.forValues(ok, ImageEvent.class).serialize(topic, event());
        ImageEvent back = new AvroWireDeserializer<>(ok, ImageEvent.class).deserialize(topic, wire);
        assertThat(back.getEventId()).isEqualTo("auth");
        assertThat(refused.get()).isEqualTo(before);
        assertThat(requests.get()).isPositive();
        assertThat(logs).noneMatch(l -> l.contains(PASSWORD));
    }

    @Test
    void wrongCredentialsAreRefusedAtOnceAndStopAWorker() {
        RegistryClient wrong = new RegistryClient(RegistrySettings.of(url()).withBasicAuth(USER, "wrong-password"));
        int before = requests.get();
        assertThatThrownBy(() -> AvroWireSerializer.forValues(wrong, ImageEvent.class)
                .serialize("auth-wrong-" + System.nanoTime(), event()))
                .isInstanceOfSatisfying(RegistryRequestException.class, e -> assertThat(e.status()).isEqualTo(401))
                .hasMessageNotContaining("wrong-password");
        assertThat(requests.get() - before).as("no retries of a refused request").isEqualTo(1);
        // what the worker's stream thread does with it: stop, not replace the thread forever
        Throwable inStream = new org.apache.kafka.streams.errors.StreamsException(new RegistryRequestException(
                "GET /schemas/ids/1", 401, 401, "Unauthorized"));
        assertThat(new RetryOnFailure().handle(inStream)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(new RetryOnFailure().handle(new RegistryUnavailableException("down", null)))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(logs).noneMatch(l -> l.contains(PASSWORD) || l.contains("wrong-password"));
    }
}
