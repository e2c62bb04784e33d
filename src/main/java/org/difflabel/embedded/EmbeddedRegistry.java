package org.difflabel.embedded;

import org.difflabel.registry.CompatibilityLevel;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.jboss.logging.Logger;

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
 * A real schema registry: Apicurio Registry (in-memory storage), unpacked from Maven Central
 * into {@code target/apicurio-registry} by the build, run as a separate JVM on a free loopback
 * port, its Confluent-compatible API set to BACKWARD compatibility as a Confluent registry has by
 * default. The embedded default's registry and the tests'.
 */
public final class EmbeddedRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedRegistry.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final String url;

    private EmbeddedRegistry(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /** Starts the registry unpacked under {@code home}, logging to {@code apicurio-registry.log} beside it. */
    public static EmbeddedRegistry start(Path home) {
        return start(home, home.resolveSibling("apicurio-registry.log"));
    }

    /**
     * Starts the registry unpacked under {@code home}, logging to {@code log}; returns once its
     * API answers. The process is also destroyed when this JVM exits.
     */
    public static EmbeddedRegistry start(Path home, Path log) {
        long t0 = System.nanoTime();
        home = home.toAbsolutePath(); // the process runs in that folder: relative paths would point elsewhere
        Path runner = runnerJar(home);
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // small and quick: it shares the machine with the worker
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
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "registry-stop"));
        String url = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
        awaitReady(process, url, log);
        new RegistryClient(RegistrySettings.of(url)).setCompatibility(CompatibilityLevel.BACKWARD);
        LOG.infof("embedded schema registry ready at %s in %.1f s", url, (System.nanoTime() - t0) / 1e9);
        return new EmbeddedRegistry(process, url);
    }

    /** Base URL of the Confluent-compatible API, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public String url() {
        return url;
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
                + ": build with ./mvnw package (it unpacks the registry there)");
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
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        process.destroy();
        throw new IllegalStateException("registry not ready after " + START_TIMEOUT + "; see " + log);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
    }
}
