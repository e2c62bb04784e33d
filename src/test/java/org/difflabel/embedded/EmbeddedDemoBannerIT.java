package org.difflabel.embedded;

import org.difflabel.testsupport.AppProcess;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded demo for a person at a terminal: its broker and registry take their well-known
 * ports when free and the next free ones when taken (here the test plays "9092 is taken" with a
 * port of its own, so it never depends on 9092 or 8081), and the two commands its banner prints
 * work as pasted into a shell: the Node client sends an image and gets its posterior, and the
 * results reader prints it.
 */
class EmbeddedDemoBannerIT {
    private static final Pattern BOOTSTRAP = Pattern.compile("(?m)^bootstrap\\.servers=127\\.0\\.0\\.1:(\\d+)$");
    private static final Pattern REGISTRY = Pattern.compile("(?m)^registry\\.url=(\\S+)$");
    private static final Pattern SEND = Pattern.compile("(?m)^send an image .*\\n {2}(node interop/worker-client\\.js .+)\\n");
    private static final Pattern READ = Pattern.compile("(?m)^read the results .*\\n {2}(node interop/read-results\\.js .+)\\n");

    @Test
    void theBannersCommandsSendAnImageAndReadItsResultOnTheChosenPorts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int kafkaPreferred = taken.getLocalPort(); // someone else's broker holds it
            int registryPreferred = ListenPort.choose(0); // free
            try (AppProcess app = AppProcess.start("embedded-banner", Map.of("labeler.embedded.demo", "false",
                    "labeler.embedded.kafka-port", Integer.toString(kafkaPreferred),
                    "labeler.embedded.registry-port", Integer.toString(registryPreferred)), "read-results.js")) {
                String banner = await(app, READ);

                int kafkaPort = Integer.parseInt(find(BOOTSTRAP, banner));
                assertThat(kafkaPort).as("the broker moved up from the taken port")
                        .isGreaterThan(kafkaPreferred).isLessThan(kafkaPreferred + ListenPort.SPAN);
                assertThat(find(REGISTRY, banner)).as("the registry took its free preferred port")
                        .isEqualTo("http://127.0.0.1:" + registryPreferred + "/apis/ccompat/v7");

                // the send command, as pasted: one posterior comes back
                String send = find(SEND, banner);
                assertThat(send).contains("127.0.0.1:" + kafkaPort).contains("onnx-models/mnist-ddpm/samples/");
                Process client = new ProcessBuilder("sh", "-c", send).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                String posterior = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(client.waitFor(180, TimeUnit.SECONDS)).isTrue();
                assertThat(client.exitValue()).as(posterior).isZero();
                assertThat(posterior).contains("\"eventId\":\"node-digit-").contains("\"topLabel\":");
                String eventId = posterior.replaceAll("(?s).*\"eventId\":\"([^\"]+)\".*", "$1");

                // the read command, as pasted: it prints that result
                Process reader = new ProcessBuilder("sh", "-c", "exec " + find(READ, banner))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                try {
                    assertThat(linesUntil(reader, eventId)).anySatisfy(line -> assertThat(line)
                            .contains("\"topic\":\"labels.scored\"").contains("\"eventId\":\"" + eventId + "\"")
                            .contains("\"decision\":"));
                } finally {
                    reader.destroy();
                    reader.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The output once {@code complete} matches it (the banner is printed in one piece, but read while written). */
    private static String await(AppProcess app, Pattern complete) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!complete.matcher(app.output()).find()) {
            assertThat(System.nanoTime()).as("a complete banner").isLessThan(deadline);
            Thread.sleep(200);
        }
        return app.output();
    }

    /** The reader's lines up to the first that names {@code eventId} (it follows the topic until stopped). */
    private static List<String> linesUntil(Process reader, String eventId) throws Exception {
        List<String> lines = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8));
        Thread watchdog = new Thread(() -> {
            try {
                if (!reader.waitFor(120, TimeUnit.SECONDS)) {
                    reader.destroy(); // ends the read below, and the test with what was read
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        for (String line; (line = out.readLine()) != null; ) {
            lines.add(line);
            if (line.contains(eventId)) {
                break;
            }
        }
        return lines;
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertThat(m.find()).as("%s in:%n%s", p, text).isTrue();
        return m.group(1);
    }
}
