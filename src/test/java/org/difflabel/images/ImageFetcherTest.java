package org.difflabel.images;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_AND_BYTES;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_BAD_REDIRECT;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_BAD_URI;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_BLOCKED_ADDRESS;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_FORBIDDEN;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_NOT_ALLOWED;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_NOT_FOUND;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_OUTSIDE_ROOT;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_REFUSED;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_TOO_LARGE;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_TOO_MANY_REDIRECTS;
import static org.difflabel.testsupport.HttpAnswers.answer;
import static org.difflabel.testsupport.HttpAnswers.redirect;

/**
 * http(s) and file references against a real HTTP server on loopback (the JDK's) and a real folder:
 * what is read, and each refusal with its own code. Loopback is allowed explicitly here
 * ({@code allow-loopback}), as it must be for any test server; the address checks themselves are
 * shown with it off.
 */
class ImageFetcherTest {
    private static final byte[] PNG = png();
    private static final long MAX = 64 * 1024;

    private HttpServer server;
    private String base;
    private final AtomicInteger unavailableCalls = new AtomicInteger();
    private final CompletableFuture<Long> hugeBytesWritten = new CompletableFuture<>();
    private final CompletableFuture<Long> bombBytesWritten = new CompletableFuture<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/digit.png", x -> answer(x, 200, PNG));
        server.createContext("/missing.png", x -> answer(x, 404, new byte[0]));
        server.createContext("/secret.png", x -> answer(x, 403, new byte[0]));
        server.createContext("/bad-request.png", x -> answer(x, 400, new byte[0]));
        server.createContext("/moved.png", x -> redirect(x, base + "/digit.png"));
        server.createContext("/elsewhere.png", x -> redirect(x, "http://localhost:" + server.getAddress().getPort()
                + "/digit.png"));
        server.createContext("/to-ftp.png", x -> redirect(x, "ftp://127.0.0.1/digit.png"));
        server.createContext("/loop.png", x -> redirect(x, "/loop.png"));
        server.createContext("/unavailable.png", x -> {
            unavailableCalls.incrementAndGet();
            answer(x, 503, new byte[0]);
        });
        server.createContext("/flaky.png", x -> answer(x, unavailableCalls.incrementAndGet() < 3 ? 503 : 200, PNG));
        server.createContext("/slow.png", x -> {
            sleep(3000);
            answer(x, 200, PNG);
        });
        server.createContext("/huge.png", this::tenGigabytes);
        server.createContext("/undeclared.png", x -> {
            x.sendResponseHeaders(200, 0); // chunked: no length announced
            try (OutputStream out = x.getResponseBody()) {
                out.write(new byte[(int) (2 * MAX)]);
            } catch (IOException ignored) {
                // the client stopped reading
            }
        });
        server.createContext("/pixel-bomb.png", x -> {
            // a valid PNG header announcing 100000 x 100000 pixels, then a body that never ends on its own
            x.sendResponseHeaders(200, 0);
            long written = 0;
            try (OutputStream out = x.getResponseBody()) {
                out.write(pngHeader(100_000, 100_000));
                byte[] chunk = new byte[16 * 1024];
                while (written < (1L << 30)) {
                    out.write(chunk);
                    out.flush();
                    written += chunk.length;
                }
            } catch (IOException stopped) {
                // the client hung up
            } finally {
                bombBytesWritten.complete(written);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private FetchSettings allowed() {
        return FetchSettings.NONE.withAllowedHosts("127.0.0.1").withAllowLoopback(true).withMaxBytes(MAX)
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10)).withRetries(3, Duration.ofMillis(10));
    }

    @Test
    void readsAnAllowedHttpReference() {
        assertThat(new ImageFetcher(allowed()).fetch(base + "/digit.png")).isEqualTo(PNG);
    }

    @Test
    void followsARedirectToAnAllowedHost() {
        assertThat(new ImageFetcher(allowed()).fetch(base + "/moved.png")).isEqualTo(PNG);
    }

    @Test
    void anEmptyAllowlistRefusesEveryReference() {
        ImageFetcher none = ImageFetcher.none();
        assertRefused(none, base + "/digit.png", IMAGE_REF_NOT_ALLOWED);
        assertRefused(none, "s3://images/digit.png", IMAGE_REF_NOT_ALLOWED);
        assertRefused(none, "file:///tmp/digit.png", IMAGE_REF_NOT_ALLOWED);
    }

    @Test
    void refusesAHostNotOnTheAllowlist() {
        assertRefused(new ImageFetcher(allowed()), "http://localhost:" + server.getAddress().getPort() + "/digit.png",
                IMAGE_REF_NOT_ALLOWED);
    }

    @Test
    void refusesLoopbackUnlessAllowed() {
        assertRefused(new ImageFetcher(allowed().withAllowLoopback(false)), base + "/digit.png", IMAGE_REF_BLOCKED_ADDRESS);
    }

    @Test
    void refusesLinkLocalPrivateAndMulticastAddressesBeforeConnecting() {
        ImageFetcher f = new ImageFetcher(allowed().withAllowedHosts("169.254.169.254", "10.0.0.7", "192.168.1.20",
                "224.0.0.1", "0.0.0.0", "[fd00::1]"));
        assertRefused(f, "http://169.254.169.254/latest/meta-data/", IMAGE_REF_BLOCKED_ADDRESS);
        assertRefused(f, "http://10.0.0.7/digit.png", IMAGE_REF_BLOCKED_ADDRESS);
        assertRefused(f, "http://192.168.1.20/digit.png", IMAGE_REF_BLOCKED_ADDRESS);
        assertRefused(f, "http://224.0.0.1/digit.png", IMAGE_REF_BLOCKED_ADDRESS);
        assertRefused(f, "http://0.0.0.0/digit.png", IMAGE_REF_BLOCKED_ADDRESS);
        assertRefused(f, "http://[fd00::1]/digit.png", IMAGE_REF_BLOCKED_ADDRESS);
    }

    @Test
    void linkLocalStaysRefusedWhenPrivateNetworksAreAllowed() {
        var guard = new AddressGuard(true, true);
        assertThat(guard.refusal(address("169.254.169.254"))).isEqualTo("a link-local");
        assertThat(guard.refusal(address("10.0.0.7"))).isNull();
        assertThat(guard.refusal(address("93.184.216.34"))).isNull();
        assertThat(new AddressGuard(false, false).refusal(address("100.64.0.1"))).isEqualTo("a private");
    }

    @Test
    void refusesRedirectsToHostsNotOnTheAllowlistOrOtherSchemes() {
        assertRefused(new ImageFetcher(allowed()), base + "/elsewhere.png", IMAGE_REF_BAD_REDIRECT);
        assertRefused(new ImageFetcher(allowed()), base + "/to-ftp.png", IMAGE_REF_BAD_REDIRECT);
    }

    @Test
    void followsAtMostTheConfiguredRedirects() {
        assertRefused(new ImageFetcher(allowed()), base + "/loop.png", IMAGE_REF_TOO_MANY_REDIRECTS);
    }

    @Test
    void notFoundForbiddenAndOtherClientErrorsAreRefusals() {
        ImageFetcher f = new ImageFetcher(allowed());
        assertRefused(f, base + "/missing.png", IMAGE_REF_NOT_FOUND);
        assertRefused(f, base + "/secret.png", IMAGE_REF_FORBIDDEN);
        assertRefused(f, base + "/bad-request.png", IMAGE_REF_REFUSED);
    }

    @Test
    void refusesUnsupportedSchemesAndMalformedReferences() {
        ImageFetcher f = new ImageFetcher(allowed());
        assertRefused(f, "ftp://127.0.0.1/digit.png", IMAGE_REF_BAD_URI);
        assertRefused(f, "jar:file:/x.jar!/digit.png", IMAGE_REF_BAD_URI);
        assertRefused(f, "digit.png", IMAGE_REF_BAD_URI);
        assertRefused(f, "http://[not a uri", IMAGE_REF_BAD_URI);
        assertRefused(f, "s3://images", IMAGE_REF_BAD_URI);
    }

    @Test
    void aHugeObjectIsRefusedFromItsDeclaredLengthWithoutDownloadingIt() throws Exception {
        assertRefused(new ImageFetcher(allowed()), base + "/huge.png", IMAGE_REF_TOO_LARGE);
        // the server stopped as soon as the client hung up: nowhere near the 10 GB it announced
        assertThat(hugeBytesWritten.get(30, TimeUnit.SECONDS)).isLessThan(64L << 20);
    }

    @Test
    void anUndeclaredLengthIsCutOffAtTheLimitWhileStreaming() {
        assertRefused(new ImageFetcher(allowed()), base + "/undeclared.png", IMAGE_REF_TOO_LARGE);
    }

    @Test
    void thePixelLimitIsCheckedFromTheHeaderWhileTheImageArrives() throws Exception {
        // the byte limit alone would let this through for a while: the header already says too many pixels
        assertRefused(new ImageFetcher(allowed().withMaxBytes(1L << 30)), base + "/pixel-bomb.png", IMAGE_REF_TOO_LARGE);
        assertThat(bombBytesWritten.get(30, TimeUnit.SECONDS)).isLessThan(64L << 20);
    }

    @Test
    void readsWidthAndHeightFromPngAndJpegHeaders() throws IOException {
        assertThat(ImageHeader.dimensions(PNG, PNG.length)).containsExactly(28, 28);
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 30, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "jpeg", jpeg);
        byte[] j = jpeg.toByteArray();
        assertThat(ImageHeader.dimensions(j, j.length)).containsExactly(40, 30);
        assertThat(ImageHeader.dimensions(j, 3)).as("not arrived yet").isNull();
        assertThat(ImageHeader.dimensions("GIF89a....".getBytes(), 10)).isNull();
    }

    @Test
    void serverErrorsAreRetriedThenReportedAsTransient() {
        assertThatThrownBy(() -> new ImageFetcher(allowed()).fetch(base + "/unavailable.png"))
                .isInstanceOf(ImageStoreUnavailableException.class).hasMessageContaining("503");
        assertThat(unavailableCalls).hasValue(3);
    }

    @Test
    void aTransientFailureThatClearsWithinTheRetriesIsRead() {
        assertThat(new ImageFetcher(allowed()).fetch(base + "/flaky.png")).isEqualTo(PNG);
        assertThat(unavailableCalls).hasValue(3);
    }

    @Test
    void aReadTimeoutIsTransient() {
        // the server takes 3 s to answer; the fetcher waits 0.3 s for the next bytes
        assertThatThrownBy(() -> new ImageFetcher(allowed().withRetries(1, Duration.ofMillis(10))
                .withTimeouts(Duration.ofSeconds(10), Duration.ofMillis(300))).fetch(base + "/slow.png"))
                .isInstanceOf(ImageStoreUnavailableException.class);
    }

    @Test
    void anEventCarriesBytesOrAReferenceNotBoth() {
        ImageFetcher f = new ImageFetcher(allowed());
        assertThat(f.imageOf(ByteBuffer.wrap(PNG), null)).isEqualTo(PNG);
        assertThat(f.imageOf(ByteBuffer.allocate(0), base + "/digit.png")).isEqualTo(PNG);
        assertThatThrownBy(() -> f.imageOf(ByteBuffer.wrap(PNG), base + "/digit.png"))
                .isInstanceOfSatisfying(ImageFetchException.class, e -> assertThat(e.code()).isEqualTo(IMAGE_REF_AND_BYTES));
    }

    @Test
    void readsFilesUnderTheRootOnly(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("images"));
        Files.write(root.resolve("digit.png"), PNG);
        Path outside = Files.write(dir.resolve("outside.png"), PNG);
        Files.createSymbolicLink(root.resolve("link.png"), outside);
        Files.write(root.resolve("big.png"), new byte[(int) MAX + 1]);
        Files.write(root.resolve("wide.png"), pngHeader(100_000, 2));
        ImageFetcher f = new ImageFetcher(allowed().withFileRoot(root));

        assertThat(f.fetch(root.resolve("digit.png").toUri().toString())).isEqualTo(PNG);
        assertRefused(f, "file://" + root + "/../outside.png", IMAGE_REF_OUTSIDE_ROOT);
        assertRefused(f, outside.toUri().toString(), IMAGE_REF_OUTSIDE_ROOT);
        assertRefused(f, root.resolve("link.png").toUri().toString(), IMAGE_REF_OUTSIDE_ROOT);
        assertRefused(f, root.resolve("nothing.png").toUri().toString(), IMAGE_REF_NOT_FOUND);
        assertRefused(f, root.resolve("big.png").toUri().toString(), IMAGE_REF_TOO_LARGE);
        assertRefused(new ImageFetcher(allowed().withFileRoot(root).withMaxPixels(100_000)),
                root.resolve("wide.png").toUri().toString(), IMAGE_REF_TOO_LARGE);
        assertRefused(f, "file://otherhost" + root + "/digit.png", IMAGE_REF_BAD_URI);
    }

    @Test
    void messagesNeverCarryTheQueryOrUserInfoOfAReference() {
        assertThatThrownBy(() -> new ImageFetcher(allowed()).fetch("http://user:pw@127.0.0.1:"
                + server.getAddress().getPort() + "/missing.png?X-Amz-Signature=secret"))
                .hasMessageNotContaining("secret").hasMessageNotContaining("pw");
    }

    @Test
    void theMediaTypeComesFromTheBytes() {
        assertThat(ImageFetcher.contentType(PNG)).isEqualTo("image/png");
        assertThat(ImageFetcher.contentType(new byte[]{(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0})).isEqualTo("image/jpeg");
        assertThat(ImageFetcher.contentType("<svg/>".getBytes())).isEqualTo("application/octet-stream");
    }

    private static void assertRefused(ImageFetcher f, String uri, ImageFetchException.Code code) {
        assertThatThrownBy(() -> f.fetch(uri)).as(uri)
                .isInstanceOfSatisfying(ImageFetchException.class, e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
    }

    private void tenGigabytes(HttpExchange x) throws IOException {
        long written = 0;
        x.sendResponseHeaders(200, 10L << 30);
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = x.getResponseBody()) {
            while (written < (1L << 30)) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException stopped) {
            // the client hung up
        } finally {
            hugeBytesWritten.complete(written);
        }
    }

    /** The first 33 bytes of a PNG (signature and IHDR) with the given size. */
    private static byte[] pngHeader(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(33);
        b.put(new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
        b.putInt(width).putInt(height).put(new byte[]{8, 0, 0, 0, 0}).putInt(0);
        return b.array();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] png() {
        try {
            return Files.readAllBytes(Path.of("onnx-models/mnist-ddpm/samples/digit-7-1470.png"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
