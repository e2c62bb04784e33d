package org.difflabel.replay;

import org.difflabel.contracts.LabelComparison;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.model.LabelModel;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.RescoreProcess;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-score runs as separate processes, as users run them: one killed with SIGKILL half-way and
 * started again finishes the window with every event exactly once and without starting over;
 * two processes of the same model version split a 4-partition window between them.
 */
class RescoreProcessesIT {
    private static final Pattern SUMMARY = Pattern.compile("labelled (\\d+) skipped (\\d+)");

    @Test
    void aKilledRescoreFinishesItsWindowOnceWithoutStartingOver() throws Exception {
        int events = 30;
        try (ReplayFixture f = new ReplayFixture(2)) {
            f.produce(events);
            scoreWithChampion(f, events);

            Run first = start(f, "500");
            awaitCommitted(f, 8, Duration.ofMinutes(3));
            first.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown, no final commit
            long beforeRestart = f.rescored().size();
            assertThat(beforeRestart).as("killed half-way").isBetween(1L, (long) events - 1);

            Run second = start(f, "500");
            int[] summary = second.awaitSummary(Duration.ofMinutes(4));
            assertThat(summary[0]).as("the restarted run labels exactly what the killed one had not committed")
                    .isEqualTo(events - (int) beforeRestart);
            assertExactlyOnce(f, events);
        }
    }

    @Test
    void twoProcessesOfOneVersionSplitAFourPartitionWindow() throws Exception {
        int events = 48;
        try (ReplayFixture f = new ReplayFixture(4)) {
            f.produce(events);
            scoreWithChampion(f, events);
            Run a = start(f, "200");
            Run b = start(f, "200");
            int[] sa = a.awaitSummary(Duration.ofMinutes(5));
            int[] sb = b.awaitSummary(Duration.ofMinutes(5));
            System.out.printf("split: process A labelled %d, process B labelled %d%n", sa[0], sb[0]);
            assertThat(sa[0] + sb[0]).as("together, each event once").isEqualTo(events);
            assertThat(sa[0]).as("A did part of the work").isPositive();
            assertThat(sb[0]).as("B did part of the work").isPositive();
            assertExactlyOnce(f, events);
        }
    }

    private static void assertExactlyOnce(ReplayFixture f, int events) {
        Map<String, Long> rescored = f.rescored().stream().collect(Collectors.groupingBy(LabelPosterior::getEventId,
                Collectors.counting()));
        assertThat(rescored).hasSize(events);
        assertThat(rescored.values()).as("each event once on labels.rescored").containsOnly(1L);
        Map<String, Long> diffs = f.diffs().stream().collect(Collectors.groupingBy(LabelComparison::getEventId,
                Collectors.counting()));
        assertThat(diffs).hasSize(events);
        assertThat(diffs.values()).as("each event once on labels.diff").containsOnly(1L);
    }

    private static void scoreWithChampion(ReplayFixture f, int events) throws Exception {
        var config = f.config(Map.of());
        try (LabelModel m = LabelModel.load(ReplayFixture.CHAMPION_MODEL, config.modelOptions(1))) {
            f.runUntil(f.assembly(config, m), () -> f.count(f.topics.scored()) >= events, Duration.ofMinutes(3));
        }
    }

    private static void awaitCommitted(ReplayFixture f, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (f.count(f.topics.rescored()) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + n + " re-scored after " + timeout);
            }
            Thread.sleep(300);
        }
    }

    /** A re-score process: the model's default schedule (slow enough to kill half-way), one thread. */
    private static Run start(ReplayFixture f, String commitIntervalMs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-Dai.djl.offline=true",
                "-Dlabeler.worker.commit-interval-ms=" + commitIntervalMs, "-Dlabeler.worker.stream-threads=1",
                "-Dlabeler.model.intra-op-threads=1", "-Dlabeler.worker.kafka.\"session.timeout.ms\"=10000",
                // a killed process's open transaction holds its partitions until the broker aborts it after
                // this timeout (the new process cannot fence it under exactly_once_v2): short here, so the
                // restart test does not wait the default 5 minutes
                "-Dlabeler.worker.transaction-timeout-ms=15000",
                "-Dlabeler.replay.progress-interval=PT2S",
                RescoreProcess.class.getName(), f.kafka.bootstrapServers(), RegistryServer.shared().url(),
                ReplayFixture.CHAMPION_MODEL.toString(), "earliest"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        return new Run(p);
    }

    /** A started process and its output, read on a thread of its own. */
    private static final class Run {
        final Process process;
        final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());

        Run(Process process) {
            this.process = process;
            Thread t = new Thread(() -> new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8)).lines().forEach(l -> {
                        lines.add(l);
                        System.out.println("[rescore " + process.pid() + "] " + l);
                    }), "rescore-output");
            t.setDaemon(true);
            t.start();
        }

        int[] awaitSummary(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("re-score process did not finish in " + timeout);
            }
            Thread.sleep(200);
            assertThat(process.exitValue()).as("exit status").isZero();
            synchronized (lines) {
                for (String l : lines) {
                    Matcher m = SUMMARY.matcher(l);
                    if (m.find()) {
                        return new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
                    }
                }
            }
            throw new AssertionError("no summary line in " + lines);
        }
    }
}
