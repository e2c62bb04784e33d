package org.difflabel.testsupport;

import org.difflabel.images.FetchSettings;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible server for the tests: npm's {@code s3rver} ({@code interop/s3rver}, installed
 * by the build) in a Node process of its own on 127.0.0.1, objects in a temporary folder, with the
 * buckets asked for. Its credentials are s3rver's fixed pair (S3RVER / S3RVER). It refuses an
 * unknown access key id with 403 (InvalidAccessKeyId), but does not verify SigV4 signatures: a wrong
 * secret with the right key id is let in.
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "S3RVER";
    public static final String SECRET_KEY = "S3RVER";

    private final Process process;
    private final URI endpoint;
    private final Path dir;
    private final S3Client client;

    private S3Server(Process process, URI endpoint, Path dir) {
        this.process = process;
        this.endpoint = endpoint;
        this.dir = dir;
        this.client = org.difflabel.images.S3Clients.of(FetchSettings.NONE.withS3(settings()));
    }

    public static S3Server start(String... buckets) throws Exception {
        Path dir = Files.createTempDirectory("difflabel-s3-");
        List<String> cmd = new ArrayList<>(List.of("node", Path.of("interop", "s3rver", "server.js").toString(),
                dir.toString()));
        cmd.addAll(List.of(buckets));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<URI> endpoint = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("s3 endpoint ")) {
                        endpoint.complete(URI.create(line.substring("s3 endpoint ".length()).trim()));
                    } else {
                        System.err.println("[s3rver] " + line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            endpoint.completeExceptionally(new IllegalStateException("s3rver exited before listening"
                    + " (is interop/s3rver installed? ./mvnw generate-test-resources runs npm ci)"));
        }, "s3rver-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new S3Server(p, endpoint.get(60, TimeUnit.SECONDS), dir);
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public void put(String bucket, String key, byte[] bytes) {
        client.putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromBytes(bytes));
    }

    /** The fetcher's S3 settings for this server: path style, its credentials. */
    public FetchSettings.S3 settings() {
        return settings(ACCESS_KEY, SECRET_KEY);
    }

    public FetchSettings.S3 settings(String accessKey, String secretKey) {
        return new FetchSettings.S3(Optional.of(endpoint), "us-east-1", true, Optional.of(accessKey),
                Optional.of(secretKey));
    }

    /** The same settings as {@code labeler.image.reference.s3.*} properties. */
    public java.util.Map<String, String> properties() {
        return java.util.Map.of("labeler.image.reference.s3.endpoint", endpoint.toString(),
                "labeler.image.reference.s3.path-style", "true",
                "labeler.image.reference.s3.access-key-id", ACCESS_KEY,
                "labeler.image.reference.s3.secret-access-key", SECRET_KEY);
    }

    /** Stops the server (its port then refuses connections). */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws Exception {
        client.close();
        stop();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
