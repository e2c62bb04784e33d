package org.difflabel.images;

import com.sun.net.httpserver.HttpServer;
import org.difflabel.testsupport.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * s3:// references against a real S3-compatible server (npm {@code s3rver}, a Node process of its
 * own): an object is read; a missing key, a bucket not on the allowlist, wrong credentials and an
 * object over the byte limit are refused, each with its own code; a store that is down or throttles
 * is transient, after the retries.
 */
class S3ReferenceIT {
    private static final long MAX = 64 * 1024;
    private static S3Server s3;
    private static byte[] png;

    @BeforeAll
    static void start() throws Exception {
        png = Files.readAllBytes(Path.of("onnx-models/mnist-ddpm/samples/digit-7-1470.png"));
        s3 = S3Server.start("images", "other");
        s3.put("images", "digits/7.png", png);
        s3.put("images", "digits/with space+plus.png", png);
        s3.put("images", "big.bin", new byte[(int) MAX + 1]);
        s3.put("other", "digits/7.png", png);
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
    }

    private static FetchSettings settings() {
        return FetchSettings.NONE.withAllowedBuckets("images").withS3(s3.settings()).withMaxBytes(MAX)
                .withRetries(2, Duration.ofMillis(10));
    }

    @Test
    void readsAnObjectOfAnAllowedBucket() {
        try (ImageFetcher f = new ImageFetcher(settings())) {
            assertThat(f.fetch("s3://images/digits/7.png")).isEqualTo(png);
            assertThat(f.fetch("s3://images/digits/with%20space+plus.png")).isEqualTo(png);
        }
    }

    @Test
    void refusesABucketNotOnTheAllowlist() {
        try (ImageFetcher f = new ImageFetcher(settings())) {
            assertRefused(f, "s3://other/digits/7.png", ImageFetchException.Code.IMAGE_REF_NOT_ALLOWED);
        }
    }

    @Test
    void aMissingKeyIsNotFound() {
        try (ImageFetcher f = new ImageFetcher(settings())) {
            assertRefused(f, "s3://images/digits/nothing.png", ImageFetchException.Code.IMAGE_REF_NOT_FOUND);
        }
    }

    @Test
    void credentialsTheStoreDoesNotKnowAreForbidden() {
        try (ImageFetcher f = new ImageFetcher(settings().withS3(s3.settings("NOT-A-KEY", "not-the-secret")))) {
            assertRefused(f, "s3://images/digits/7.png", ImageFetchException.Code.IMAGE_REF_FORBIDDEN);
        }
    }

    @Test
    void anObjectOverTheByteLimitIsRefused() {
        try (ImageFetcher f = new ImageFetcher(settings())) {
            assertRefused(f, "s3://images/big.bin", ImageFetchException.Code.IMAGE_REF_TOO_LARGE);
        }
    }

    @Test
    void aStoreThatIsDownIsTransient() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        var down = new FetchSettings.S3(Optional.of(URI.create("http://127.0.0.1:" + closed)), "us-east-1", true,
                Optional.of(S3Server.ACCESS_KEY), Optional.of(S3Server.SECRET_KEY));
        try (ImageFetcher f = new ImageFetcher(settings().withS3(down))) {
            assertThatThrownBy(() -> f.fetch("s3://images/digits/7.png")).isInstanceOf(ImageStoreUnavailableException.class);
        }
    }

    @Test
    void throttlingIsRetriedThenTransient() throws IOException {
        // an endpoint that answers like S3 under load: 503 SlowDown
        AtomicInteger calls = new AtomicInteger();
        HttpServer slow = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        slow.createContext("/", x -> {
            calls.incrementAndGet();
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                    + "<Message>Please reduce your request rate.</Message></Error>").getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/xml");
            x.sendResponseHeaders(503, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        slow.start();
        try (ImageFetcher f = new ImageFetcher(settings().withRetries(3, Duration.ofMillis(10)).withS3(
                new FetchSettings.S3(Optional.of(URI.create("http://127.0.0.1:" + slow.getAddress().getPort())),
                        "us-east-1", true, Optional.of("k"), Optional.of("s"))))) {
            assertThatThrownBy(() -> f.fetch("s3://images/digits/7.png")).isInstanceOf(ImageStoreUnavailableException.class)
                    .hasMessageContaining("SlowDown");
            assertThat(calls).as("the fetcher's tries, and no hidden retries of the SDK's own").hasValue(3);
        } finally {
            slow.stop(0);
        }
    }

    private static void assertRefused(ImageFetcher f, String uri, ImageFetchException.Code code) {
        assertThatThrownBy(() -> f.fetch(uri)).as(uri)
                .isInstanceOfSatisfying(ImageFetchException.class, e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
    }
}
