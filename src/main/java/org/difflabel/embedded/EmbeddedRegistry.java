package org.difflabel.embedded;

import org.difflabel.registry.CompatibilityLevel;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;

/**
 * A real schema registry: Apicurio Registry, unpacked from Maven Central into
 * {@code target/apicurio-registry} by the build, run as a separate JVM on a loopback port, its
 * storage in memory (the tests) or in a database file (the embedded default, so it keeps its
 * schemas and their ids across restarts), its Confluent-compatible API set to BACKWARD
 * compatibility as a Confluent registry has by default. The embedded default's registry and the tests'.
 */
public final class EmbeddedRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedRegistry.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private static final int BIND_ATTEMPTS = 5;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final String url;
    private final int port;

    private EmbeddedRegistry(Process process, String url, int port) {
        this.process = process;
        this.url = url;
        this.port = port;
    }

    /** Starts the registry unpacked under {@code home}, logging to {@code apicurio-registry.log} beside it. */
    public static EmbeddedRegistry start(Path home) {
        return start(home, home.resolveSibling("apicurio-registry.log"));
    }

    /**
     * Starts the registry unpacked under {@code home}, logging to {@code log}, in memory on any free
     * port; returns once its API answers. The process is also destroyed when this JVM exits.
     */
    public static EmbeddedRegistry start(Path home, Path log) {
        return start(home, log, 0, null);
    }

    /**
     * Starts the registry unpacked under {@code home}, logging to {@code log}, on loopback at
     * {@code preferredPort} when free, else the next free port ({@link ListenPort}; 0: any), with
     * its database in the folder {@code storage} (kept across restarts, so schema ids stay valid for
     * the records that carry them) or in memory (null). Returns once its API answers.
     */
    public static EmbeddedRegistry start(Path home, Path log, int preferredPort, Path storage) {
        long t0 = System.nanoTime();
        home = home.toAbsolutePath(); // the process runs in that folder: relative paths would point elsewhere
        Path runner = runnerJar(home);
        int port = ListenPort.choose(preferredPort);
        for (int attempt = 1; ; attempt++) {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // small and quick: it shares the machine with the worker
                    "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.http.port=" + port,
                    "-Dquarkus.management.port=0"));
            if (storage != null) {
                // its default is an H2 database in memory; the same H2 in a file keeps artifacts and ids
                command.add("-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + storage.toAbsolutePath().resolve("registry"));
            }
            command.addAll(List.of("-jar", runner.toString()));
            Process process;
            try {
                process = new ProcessBuilder(command).directory(home.toFile())
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command, e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "registry-stop"));
            String url = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
            try {
                awaitReady(process, url, log);
            } catch (IllegalStateException e) {
                if (attempt < BIND_ATTEMPTS && !process.isAlive() && portTaken(log)) {
                    port = ListenPort.after(port, preferredPort); // taken since it was checked
                    continue;
                }
                throw e;
            }
            new RegistryClient(RegistrySettings.of(url)).setCompatibility(CompatibilityLevel.BACKWARD);
            LOG.infof("embedded schema registry ready at %s in %.1f s (%s)", url, (System.nanoTime() - t0) / 1e9,
                    storage == null ? "in memory" : "its data in " + storage.toAbsolutePath());
            return new EmbeddedRegistry(process, url, port);
        }
    }

    private static boolean portTaken(Path log) {
        try {
            String out = Files.readString(log);
            // Quarkus: "Port N seems to be in use by another process."
            return out.contains("seems to be in use") || out.contains("BindException");
        } catch (IOException e) {
            return false;
        }
    }

    /** Base URL of the Confluent-compatible API, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public String url() {
        return url;
    }

    public int port() {
        return port;
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

    /** Stops the registry and waits for it to exit, so its database is closed before its folder is used again. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
