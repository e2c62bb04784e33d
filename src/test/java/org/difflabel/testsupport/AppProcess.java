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
    private Process process;

    private AppProcess(List<String> command, Path log, int port) {
        this.command = command;
        this.log = log;
        this.port = port;
    }

    /** Starts the app with {@code properties} as {@code -D} settings and an HTTP port of its own; waits for {@code ready}. */
    public static AppProcess start(String name, Map<String, String> properties, String ready) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx1g");
        cmd.add("-Dquarkus.http.port=" + port);
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toString());
        Path log = Path.of("target", "app-" + name + ".log");
        Files.deleteIfExists(log); // a log of this run only (restarts append to it)
        AppProcess app = new AppProcess(cmd, log, port);
        app.start(ready);
        return app;
    }

    /** (Re)starts the process with the same settings and port, and waits until its output has {@code ready}. */
    public void start(String ready) throws Exception {
        long from = Files.exists(log) ? Files.size(log) : 0;
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitOutput(ready, from, Duration.ofMinutes(2));
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
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
