package org.difflabel.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.monitoring.PrometheusGraphPage.DashboardPanel;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.AppProcess;
import org.difflabel.testsupport.Browser;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebDriver;

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
 * Prometheus scrapes the packaged worker on its embedded demo from its start (review decisions made
 * through the review API, one more poison record sent) and every expression of the dashboard returns
 * data, every metric the alerts use exists, and every rule evaluates without error. Then each panel of the dashboard is drawn by
 * Prometheus' own graph page in a real headless Chromium (no Grafana here), with a screenshot per panel in
 * {@code target/screenshots/monitoring-<panel>.png} (those in {@code docs/monitoring/} come from there).
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
        try (AppProcess app = AppProcess.launch("monitoring", Map.of())) {
            // Prometheus scrapes from the worker's start, so the graphs show the demo feed being scored
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
            long scrapingSince = System.nanoTime();
            try {
                app.awaitOutput("demo: published", 0, Duration.ofMinutes(2));
                decideOneReviewTask(app);
                String api = "http://127.0.0.1:" + port + "/api/v1/";
                List<String> expressions = dashboardExpressions();
                List<String> empty = new ArrayList<>(expressions);
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!empty.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(2000);
                    empty.removeIf(e -> hasData(api, e));
                }
                assertThat(empty).as("dashboard expressions without data (of " + expressions.size() + ")").isEmpty();

                // a counter with labels is born at its first increment, so rate() never sees that one: once
                // Prometheus has these series, one more decision and one more poison record show in their rates
                decideOneReviewTask(app);
                sendPoisonRecord(app);
                List<String> rates = new ArrayList<>(List.of("sum(rate(labeler_review_decisions_total[5m])) > 0",
                        "sum(rate(labeler_events_dead_lettered_total[1m])) > 0"));
                long seen = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!rates.isEmpty() && System.nanoTime() < seen) {
                    Thread.sleep(1000);
                    rates.removeIf(e -> hasData(api, e));
                }
                assertThat(rates).as("rates that did not see the new decision or dead letter").isEmpty();

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

                long minutes = Duration.ofNanos(System.nanoTime() - scrapingSince).toMinutes() + 1;
                graphEveryPanel("http://127.0.0.1:" + port, api, Duration.ofMinutes(minutes));
            } finally {
                prometheus.destroy();
                prometheus.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Each panel on Prometheus' graph page over the whole scrape: every query draws without an error, its legend
     * lists every series the query returns now, and a query that was ever non-zero draws a line; then a
     * screenshot of the panel.
     */
    private static void graphEveryPanel(String prometheus, String api, Duration range) throws Exception {
        long start = System.nanoTime();
        WebDriver browser = Browser.headless(1000, 2400);
        try {
            for (DashboardPanel panel : dashboardPanels()) {
                List<List<String>> series = panel.expressions().stream().map(e -> seriesNames(api, e)).toList();
                PrometheusGraphPage page = PrometheusGraphPage.open(browser, prometheus, panel, range.toMinutes() + "m");
                for (int i = 0; i < series.size(); i++) {
                    String query = panel.title() + ": " + panel.expressions().get(i);
                    assertThat(page.error(i)).as(query).isEmpty();
                    assertThat(series.get(i)).as(query).isNotEmpty();
                    assertThat(page.legend(i)).as(query).containsAll(series.get(i));
                    if (everNonZero(api, panel.expressions().get(i), range)) {
                        assertThat(page.visibleLines(i)).as(query + " drawn").isPositive();
                    }
                }
                page.screenshot();
            }
        } finally {
            browser.quit();
        }
        System.out.printf("MonitoringIT: %d panels graphed in %.1f s%n", dashboardPanels().size(),
                (System.nanoTime() - start) / 1e9);
    }

    /** Whether the query had a non-zero value at any second of the last {@code range}. */
    private static boolean everNonZero(String api, String expression, Duration range) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        JsonNode result = get(api + "query_range?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8)
                + "&start=" + (now - range.toSeconds()) + "&end=" + now + "&step=1").path("data").path("result");
        for (JsonNode series : result) {
            for (JsonNode point : series.path("values")) {
                double v = Double.parseDouble(point.get(1).asText().replace("Inf", "Infinity"));
                if (Double.isFinite(v) && v != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The series an instant query returns, named as Prometheus' graph page names them: {@code {code="x",job="y"}}. */
    private static List<String> seriesNames(String api, String expression) {
        try {
            List<String> names = new ArrayList<>();
            get(api + "query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8))
                    .path("data").path("result").forEach(r -> {
                        List<String> labels = new ArrayList<>();
                        r.path("metric").fields().forEachRemaining(l -> {
                            if (!l.getKey().equals("__name__")) {
                                labels.add(l.getKey() + "=\"" + l.getValue().asText() + "\"");
                            }
                        });
                        names.add(r.path("metric").path("__name__").asText("") + "{" + String.join(",", labels) + "}");
                    });
            return names;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A record that is not in the wire format: the worker dead-letters it (WRONG_MAGIC_BYTE). */
    private static void sendPoisonRecord(AppProcess app) throws Exception {
        Matcher m = Pattern.compile("bootstrap\\.servers=(\\S+)").matcher(app.output());
        assertThat(m.find()).isTrue();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, m.group(1)), new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] notAnEvent = "not an image event".getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(LabelingTopics.DEFAULTS.input(), notAnEvent)).get();
        }
    }

    /** The demo user confirms the next task the demo feed sent to review, so the decision metrics move. */
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
        return dashboardPanels().stream().flatMap(p -> p.expressions().stream()).toList();
    }

    private static List<DashboardPanel> dashboardPanels() throws IOException {
        List<DashboardPanel> out = new ArrayList<>();
        JSON.readTree(Path.of("monitoring", "grafana-dashboard.json").toFile()).path("panels").forEach(p -> {
            List<String> expressions = new ArrayList<>();
            p.path("targets").forEach(t -> expressions.add(t.path("expr").asText()));
            out.add(new DashboardPanel(p.path("title").asText(), expressions));
        });
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
