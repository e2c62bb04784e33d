package org.difflabel.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real schema registry for tests: Apicurio Registry (in-memory storage), unpacked from Maven
 * Central into {@code target/apicurio-registry} by the build, run as a separate JVM on a free
 * port with compatibility BACKWARD, as a Confluent registry has by default. One instance per
 * test JVM, started on first use and destroyed by a shutdown hook. Its output goes to
 * {@code target/apicurio-registry.log}.
 */
public final class RegistryServer {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static RegistryServer shared;

    private final String url;

    private RegistryServer(String url) {
        this.url = url;
    }

    /** The running instance, started on first call. */
    public static synchronized RegistryServer shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** Base URL of the Confluent-compatible API, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public String url() {
        return url;
    }

    private static RegistryServer start() {
        Path home = Path.of(System.getProperty("difflabel.registry.home", "target/apicurio-registry"));
        Path runner = runnerJar(home);
        int port = freePort();
        Path log = home.resolveSibling("apicurio-registry.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // small and quick: the machine also runs the test JVM and maybe other builds
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.port=0",
                "-jar", runner.toString()));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(home.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "registry-server-stop"));
        String url = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
        awaitReady(process, url, log);
        setBackwardCompatibility(url);
        return new RegistryServer(url);
    }

    private static Path runnerJar(Path home) {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(home, "apicurio-registry-*-runner.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        } catch (IOException e) {
            // reported below with the fix
        }
        throw new IllegalStateException("no Apicurio Registry runner jar in " + home.toAbsolutePath()
                + ": run the tests through Maven (process-test-resources unpacks it)");
    }

    private static void awaitReady(Process process, String url, Path log) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(url + "/subjects")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("registry exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the registry", e);
            }
            sleep(250);
        }
        process.destroy();
        throw new IllegalStateException("registry not ready after " + START_TIMEOUT + "; see " + log);
    }

    /** Apicurio's default is NONE; Confluent's (and this project's rule for its subjects) is BACKWARD. */
    private static void setBackwardCompatibility(String url) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/config"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}")).build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("setting BACKWARD failed: " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
