package org.difflabel.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}, built by {@code package}
 * before the end-to-end tests) in a JVM of its own, as an operator runs it: so a test can stop and
 * start it like a real restart. Its output goes to {@code target/app-<name>.log}.
 */
public final class AppProcess implements AutoCloseable {
    private final List<String> command;
    private final Path log;
    private final int port;
    private final Path ownDataDir;
    private Process process;

    private AppProcess(List<String> command, Path log, int port, Path ownDataDir) {
        this.command = command;
        this.log = log;
        this.port = port;
        this.ownDataDir = ownDataDir;
    }

    /**
     * Starts the app with {@code properties} as {@code -D} settings and an HTTP port of its own; waits for {@code ready}.
     * Unless {@code properties} say otherwise, the embedded default keeps its data in a temporary folder of its own
     * (removed on {@link #close}) and its broker and registry take any free ports, so tests never meet each other's
     * data nor depend on 9092 and 8081 being free.
     */
    public static AppProcess start(String name, Map<String, String> properties, String ready) throws Exception {
        AppProcess app = prepare(name, properties);
        app.start(ready);
        return app;
    }

    /** Starts the app as {@link #start(String, Map, String)} does, without waiting for anything. */
    public static AppProcess launch(String name, Map<String, String> properties) throws Exception {
        AppProcess app = prepare(name, properties);
        app.process = app.processBuilder().start();
        return app;
    }

    private static AppProcess prepare(String name, Map<String, String> properties) throws IOException {
        int port = freePort();
        Map<String, String> settings = new java.util.LinkedHashMap<>(properties);
        Path ownDataDir = null;
        if (!settings.containsKey("labeler.embedded.data-dir")) {
            ownDataDir = Files.createTempDirectory("difflabel-app-" + name + "-");
            settings.put("labeler.embedded.data-dir", ownDataDir.toString());
        }
        settings.putIfAbsent("labeler.embedded.kafka-port", "0");
        settings.putIfAbsent("labeler.embedded.registry-port", "0");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx1g");
        cmd.add("-Dquarkus.http.port=" + port);
        settings.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toString());
        Path log = Path.of("target", "app-" + name + ".log");
        Files.deleteIfExists(log); // a log of this run only (restarts append to it)
        return new AppProcess(cmd, log, port, ownDataDir);
    }

    private ProcessBuilder processBuilder() {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    /** (Re)starts the process with the same settings and port, and waits until its output has {@code ready}. */
    public void start(String ready) throws Exception {
        long from = Files.exists(log) ? Files.size(log) : 0;
        process = processBuilder().start();
        awaitOutput(ready, from, Duration.ofMinutes(2));
    }

    /** The size of the output so far: where the output of what happens next starts. */
    public long outputSize() throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /** The output from byte {@code from} on. */
    public String outputSince(long from) throws IOException {
        String out = Files.readString(log);
        return out.substring((int) Math.min(from, out.length()));
    }

    /** Waits for the process to exit by itself; its exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the app did not exit within " + timeout + "; see " + log);
        }
        return process.exitValue();
    }

    public String url(String path) {
        return "http://localhost:" + port + path;
    }

    /** The process's output since it was first started. */
    public String output() throws IOException {
        return Files.readString(log);
    }

    /** Waits until the output (from byte {@code from}) contains {@code text}. */
    public void awaitOutput(String text, long from, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.readString(log);
            if (out.length() > from && out.substring((int) Math.min(from, out.length())).contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the app exited (" + process.exitValue() + ") before '" + text
                        + "'; its output is in " + log);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no '" + text + "' from the app within " + timeout + "; see " + log);
    }

    /** Stops the app as an orchestrator does (SIGTERM) and waits for it to exit. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process != null && process.isAlive()) {
            stop();
        }
        if (ownDataDir != null) {
            try (var files = Files.walk(ownDataDir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
