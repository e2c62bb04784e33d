package org.difflabel.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.difflabel.testsupport.AppProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard and the alerts against real Prometheus (Debian's {@code prometheus}, which
 * {@code .ci/run} installs): promtool checks the rules and runs their unit tests; then a real
 * Prometheus scrapes the packaged worker on its embedded demo (one review decision made through the
 * review API) and every expression of the dashboard returns data, every metric the alerts use
 * exists, and every rule evaluates without error.
 */
class MonitoringIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RULES = Path.of("monitoring", "prometheus-rules.yml");

    @Test
    void promtoolAcceptsTheRulesAndTheirUnitTestsPass() throws Exception {
        assertThat(run("promtool", "check", "rules", RULES.toString())).contains("SUCCESS: 5 rules found");
        assertThat(run("promtool", "test", "rules", "monitoring/prometheus-rules.test.yml")).contains("SUCCESS");
    }

    @Test
    void everyDashboardExpressionReturnsDataFromARunningWorker() throws Exception {
        Path dir = Files.createTempDirectory("prometheus-it");
        try (AppProcess app = AppProcess.start("monitoring", Map.of(), "demo: published")) {
            decideOneReviewTask(app);
            int port = freePort();
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, String.join("\n",
                    "global:", "  scrape_interval: 1s", "  evaluation_interval: 1s",
                    "rule_files:", "  - " + RULES.toAbsolutePath(),
                    "scrape_configs:", "  - job_name: diffusion-labeler", "    metrics_path: /q/metrics",
                    "    static_configs:", "      - targets: ['" + URI.create(app.url("")).getAuthority() + "']", ""));
            Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                String api = "http://127.0.0.1:" + port + "/api/v1/";
                List<String> expressions = dashboardExpressions();
                List<String> empty = new ArrayList<>(expressions);
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!empty.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(2000);
                    empty.removeIf(e -> hasData(api, e));
                }
                assertThat(empty).as("dashboard expressions without data (of " + expressions.size() + ")").isEmpty();

                for (String metric : alertMetrics()) {
                    assertThat(hasData(api, "count({__name__=\"" + metric + "\"})")).as("alert metric " + metric).isTrue();
                }
                JsonNode groups = get(api + "rules").path("data").path("groups");
                List<String> rules = new ArrayList<>();
                groups.forEach(g -> g.path("rules").forEach(r -> {
                    rules.add(r.path("name").asText());
                    assertThat(r.path("health").asText()).as(r.path("name").asText() + ": " + r.path("lastError"))
                            .isEqualTo("ok");
                }));
                assertThat(rules).containsExactlyInAnyOrder("LabelerLagGrowing", "LabelerDeadLetterRate",
                        "LabelerReviewQueueOld", "LabelerNotReady", "LabelerRegistryUnreachable");
            } finally {
                prometheus.destroy();
                prometheus.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The demo user confirms the first task the demo feed sent to review, so the decision metrics exist. */
    private static void decideOneReviewTask(AppProcess app) throws Exception {
        Matcher m = Pattern.compile("user: demo {2}password: (\\S+)").matcher(app.output());
        assertThat(m.find()).isTrue();
        HttpClient http = HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build();
        http.send(HttpRequest.newBuilder(URI.create(app.url("/j_security_check")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=demo&j_password=" + m.group(1))).build(),
                HttpResponse.BodyHandlers.discarding());
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        JsonNode task = null;
        while ((task == null || task.isNull()) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app.url("/review/api/next"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            task = r.statusCode() == 200 ? JSON.readTree(r.body()).path("task") : null;
        }
        assertThat(task).as("a review task from the demo feed").isNotNull();
        String page = http.send(HttpRequest.newBuilder(URI.create(app.url("/review"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher csrf = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(page);
        assertThat(csrf.find()).isTrue();
        String body = JSON.writeValueAsString(Map.of("decisions", List.of(Map.of("eventId", task.path("eventId").asText(),
                "label", task.path("topLabel").asText()))));
        HttpResponse<String> saved = http.send(HttpRequest.newBuilder(URI.create(app.url("/review/api/decisions")))
                .header("Content-Type", "application/json").header("X-CSRF-TOKEN", csrf.group(1))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
    }

    private static List<String> dashboardExpressions() throws IOException {
        List<String> out = new ArrayList<>();
        JSON.readTree(Path.of("monitoring", "grafana-dashboard.json").toFile()).path("panels")
                .forEach(p -> p.path("targets").forEach(t -> out.add(t.path("expr").asText())));
        return out;
    }

    /** The metric names the alert rules use. */
    private static TreeSet<String> alertMetrics() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(labeler_[a-z_]+|kafka_[a-z_]+)\\b").matcher(Files.readString(RULES));
        while (m.find()) {
            names.add(m.group(1));
        }
        assertThat(names).contains("labeler_worker_ready", "labeler_review_queue_oldest_seconds");
        return names;
    }

    private static boolean hasData(String api, String expression) {
        try {
            JsonNode r = get(api + "query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8));
            return "success".equals(r.path("status").asText()) && r.path("data").path("result").size() > 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
