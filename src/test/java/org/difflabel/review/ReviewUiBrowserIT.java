package org.difflabel.review;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelSource;
import org.difflabel.contracts.RejectionReason;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.replay.TopicReader;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.TopicAdmin;
import org.difflabel.testsupport.AppProcess;
import org.difflabel.testsupport.Browser;
import org.difflabel.testsupport.BrokerProcess;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The review UI end to end: the packaged application (a process of its own, review only) against a broker (a
 * process of its own, so Kafka can go away) and a real registry, driven by two real headless
 * Chromium sessions. Thirty tasks wait on labels.review; the tests run in order on one queue.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReviewUiBrowserIT {
    private static final LabelingTopics TOPICS = LabelingTopics.DEFAULTS;
    private static final int TASKS = 30;
    private static final Map<String, String> PASSWORDS = Map.of("alice", "alice-pw-1234", "bob", "bob-pw-5678",
            "eve", "eve-pw-0000");
    private static BrokerProcess broker;
    private static AppProcess app;
    private static RegistryClient registry;
    private static WebDriver alice;
    private static WebDriver bob;

    @BeforeAll
    static void brokerTasksAndTheApp() throws Exception {
        Path dir = Files.createTempDirectory("review-ui-it");
        broker = BrokerProcess.start(Files.createDirectories(dir.resolve("broker")));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            // as the worker creates them (compacted where it must be)
            TopicAdmin.inputPartitions(admin, TOPICS, TOPICS.all(), new TopicAdmin.Layout(2, (short) 1, null), true);
        }
        registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        AvroWireSerializer<ReviewTask> tasks = AvroWireSerializer.forValues(registry, ReviewTask.class);
        byte[] png = ReviewFixture.samplePng();
        Instant t0 = Instant.now().minusSeconds(120);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < TASKS; i++) {
                ReviewTask t = ReviewFixture.task(i, t0, png);
                p.send(new ProducerRecord<>(TOPICS.review(), t.getEventId().getBytes(), tasks.serialize(TOPICS.review(), t)));
            }
        }
        Path users = dir.resolve("users");
        Files.write(users, List.of(
                ReviewerAccounts.line(ReviewerAccounts.create("alice", Set.of("reviewer"), PASSWORDS.get("alice").toCharArray())),
                ReviewerAccounts.line(ReviewerAccounts.create("bob", Set.of("reviewer"), PASSWORDS.get("bob").toCharArray())),
                ReviewerAccounts.line(ReviewerAccounts.create("eve", Set.of("viewer"), PASSWORDS.get("eve").toCharArray()))));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.bootstrap.servers", broker.bootstrapServers());
        settings.put("labeler.worker.registry-url", RegistryServer.shared().url());
        settings.put("labeler.worker.application-id", "review-ui-it");
        settings.put("labeler.worker.replication-factor", "1");
        settings.put("labeler.worker.stream-threads", "1");
        // the review UI alone, as k8s/base/review.yaml runs it (the worker with the UI beside it: EmbeddedDemoReviewIT)
        settings.put("labeler.worker.role", "review");
        settings.put("labeler.review.enabled", "true");
        settings.put("labeler.review.users-file", users.toString());
        settings.put("labeler.review.undo-window", "PT2S");
        settings.put("labeler.review.publish-timeout", "PT4S");
        settings.put("labeler.review.bulk-page-size", "6");
        app = AppProcess.start("review-ui", settings, "review: queue");
        awaitPending(TASKS);
        alice = Browser.headless(1280, 900);
        bob = Browser.headless(1280, 900);
    }

    @AfterAll
    static void stop() throws Exception {
        for (WebDriver d : new WebDriver[]{alice, bob}) {
            if (d != null) {
                d.quit();
            }
        }
        if (app != null) {
            app.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Order(1)
    void fiveTasksByKeyboardThenThreeInBulkReachKafkaOnceWithTheSignedInReviewer() throws Exception {
        signIn(alice, "alice");
        awaitShown(alice, "task-00");
        List<WebElement> candidates = alice.findElements(By.cssSelector("#candidates li"));
        assertThat(candidates).hasSize(3);
        assertThat(candidates.get(0).getAttribute("class")).as("the model's choice is pre-selected").contains("selected");
        assertThat(candidates.get(0).getText()).contains("0").contains("50.0%");
        await(() -> ((Number) ((JavascriptExecutor) alice).executeScript(
                "return document.getElementById('image').naturalWidth")).intValue() == 28, "the image loads");
        assertThat(alice.findElement(By.id("reason")).getText()).isEqualTo("confidence 0.500 < 0.900");
        assertThat(alice.findElement(By.id("depth")).getText()).isEqualTo(String.valueOf(TASKS));
        Browser.screenshot(alice, "review-task");

        press(alice, Keys.ENTER);                       // task-00: confirm the model ("0")
        awaitShown(alice, "task-01");
        press(alice, "2");                              // task-01: correct to the 2nd candidate ("2")
        assertThat(alice.findElements(By.cssSelector("#candidates li")).get(1).getAttribute("class")).contains("selected");
        press(alice, Keys.ENTER);
        awaitShown(alice, "task-02");
        press(alice, "n");                              // task-02: none of these
        awaitShown(alice, "task-03");
        press(alice, "s");                              // task-03: skip
        awaitShown(alice, "task-04");
        press(alice, Keys.ENTER);                       // task-04: confirm ... then undo it
        awaitShown(alice, "task-05");
        press(alice, "u");
        awaitShown(alice, "task-04");
        press(alice, "t");                              // ... and type a label instead
        alice.findElement(By.id("typed")).sendKeys("seven-ish" + Keys.ENTER);
        awaitShown(alice, "task-05");
        await(() -> savedIds(alice).containsAll(List.of("task-00", "task-01", "task-02", "task-04")),
                "four decisions shown as saved");
        press(alice, "?");
        assertThat(alice.findElement(By.id("keys")).isDisplayed()).isTrue();
        Browser.screenshot(alice, "review-keys");
        press(alice, "?");

        alice.get(app.url("/review/bulk"));
        List<String> tiles = tileIds(alice);
        assertThat(tiles).hasSize(6).startsWith("task-03", "task-05", "task-06").doesNotContain("task-04");
        for (String id : List.of("task-05", "task-06", "task-07")) {
            alice.findElement(By.cssSelector(".tile[data-event-id='" + id + "'] .pick")).click();
        }
        assertThat(alice.findElement(By.id("selected-count")).getText()).isEqualTo("3");
        Browser.screenshot(alice, "review-bulk");
        alice.findElement(By.id("bulk-confirm")).click();
        await(() -> alice.findElement(By.id("status")).getText().startsWith("Saved 3 decisions"), "bulk saved");

        Map<String, List<ReviewedLabel>> reviewed = reviewed();
        assertThat(reviewed.keySet()).containsExactlyInAnyOrder("task-00", "task-01", "task-02", "task-04", "task-05",
                "task-06", "task-07");
        assertThat(reviewed.values()).allSatisfy(rs -> assertThat(rs).as("each decision once").hasSize(1));
        Map<String, ReviewedLabel> r = reviewed.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().get(0)));
        assertThat(r.values()).allSatisfy(x -> {
            assertThat(x.getReviewerId()).isEqualTo("alice");
            assertThat(x.getSource()).isEqualTo(ReviewSource.REVIEW_UI);
            assertThat(x.getTimeSpentMs()).isPositive();
            assertThat(x.getModelVersion()).isEqualTo("1.0.0");
        });
        assertThat(r.get("task-00").getOutcome()).isEqualTo(ReviewOutcome.CONFIRMED);
        assertThat(r.get("task-00").getFinalLabel()).isEqualTo("0");
        assertThat(r.get("task-01").getOutcome()).isEqualTo(ReviewOutcome.CORRECTED);
        assertThat(r.get("task-01").getFinalLabel()).isEqualTo("2");
        assertThat(r.get("task-02").getOutcome()).isEqualTo(ReviewOutcome.REJECTED);
        assertThat(r.get("task-02").getRejection()).isEqualTo(RejectionReason.NONE_OF_THESE);
        assertThat(r.get("task-04").getOutcome()).isEqualTo(ReviewOutcome.CORRECTED);
        assertThat(r.get("task-04").getFinalLabel()).isEqualTo("seven-ish");
        assertThat(r.get("task-04").getLabelTyped()).isTrue();
        for (String id : List.of("task-05", "task-06", "task-07")) {
            assertThat(r.get(id).getOutcome()).isEqualTo(ReviewOutcome.CONFIRMED);
            assertThat(r.get(id).getFinalLabel()).isEqualTo(id.substring(6));
        }

        Map<String, List<LabelPosterior>> accepted = accepted();
        assertThat(accepted.keySet()).containsExactlyInAnyOrder("task-00", "task-01", "task-04", "task-05", "task-06",
                "task-07");
        assertThat(accepted.values()).allSatisfy(ps -> {
            assertThat(ps).hasSize(1);
            assertThat(ps.get(0).getLabelSource()).isEqualTo(LabelSource.HUMAN);
            assertThat(ps.get(0).getReviewerId()).isEqualTo("alice");
        });
        assertThat(accepted.get("task-04").get(0).getTopLabel()).isEqualTo("seven-ish");
        assertThat(app.output()).as("no task content in the logs").doesNotContain("seven-ish")
                .as("no secret in the logs").doesNotContain(PASSWORDS.get("alice")).doesNotContain("temporary key");

        alice.get(app.url("/review/activity"));
        assertThat(alice.findElement(By.id("throughput")).getText()).startsWith("7 decisions in the last hour");
        assertThat(alice.findElement(By.id("reviewers")).getText()).contains("alice 7 7 7");
        // the model said 0..7 for tasks 00..07 (03 skipped): 0, 5, 6, 7 confirmed, 1 and 4 corrected, 2 rejected
        String agreement = alice.findElement(By.id("agreement")).getText();
        assertThat(agreement).contains("0 1 1 0 0 1/1").contains("1 1 0 1 0 0/1").contains("2 1 0 0 1 0/1")
                .contains("4 1 0 1 0 0/1").doesNotContain("\n3 ");
        assertThat(alice.findElement(By.id("queue")).getText()).startsWith("23 pending");
        Browser.screenshot(alice, "review-activity");
        String metrics = ReviewSession.anonymous(app.url("")).get("/q/metrics").body();
        assertThat(metrics).contains("labeler_review_queue_depth 23.0")
                .contains("labeler_review_decisions_total{outcome=\"CONFIRMED\",source=\"REVIEW_UI\"} 4.0")
                .contains("labeler_review_decisions_total{outcome=\"CORRECTED\",source=\"REVIEW_UI\"} 2.0")
                .contains("labeler_review_decisions_total{outcome=\"REJECTED\",source=\"REVIEW_UI\"} 1.0");
    }

    @Test
    @Order(2)
    void twoReviewersNeverGetTheSameTask() throws Exception {
        signIn(bob, "bob");
        String bobsTask = awaitAnyTask(bob);
        alice.get(app.url("/review/bulk"));
        List<String> alices = tileIds(alice);
        bob.get(app.url("/review/bulk"));
        List<String> bobs = tileIds(bob);
        assertThat(alices).hasSize(6).doesNotContain(bobsTask);
        assertThat(bobs).hasSize(6).contains(bobsTask).doesNotContainAnyElementsOf(alices);
        alice.get(app.url("/review"));
        String alicesTask = awaitAnyTask(alice);
        assertThat(alices).contains(alicesTask);
        assertThat(bobs).doesNotContain(alicesTask);
        Browser.screenshot(bob, "review-second-reviewer");
    }

    @Test
    @Order(3)
    void everyReviewUrlRefusesAnonymousAndWrongRoleAndStateChangesNeedTheCsrfToken() throws Exception {
        ReviewSession anonymous = ReviewSession.anonymous(app.url(""));
        for (String path : List.of("/review", "/review/bulk", "/review/activity", "/review/api/next",
                "/review/api/tasks/task-10/image", "/review/static/review.js")) {
            HttpResponse<String> r = anonymous.get(path);
            assertThat(r.statusCode()).as(path).isIn(302, 401, 403);
            assertThat(r.body()).as(path).doesNotContain("task-").doesNotContain("PNG");
            if (r.statusCode() == 302) {
                assertThat(r.headers().firstValue("location").orElseThrow()).as(path).endsWith("/review/login");
            }
        }
        for (String path : List.of("/review/api/decisions", "/review/api/tasks/task-10/skip", "/review/logout")) {
            HttpResponse<String> r = anonymous.postJson(path, "{\"decisions\":[{\"eventId\":\"task-10\",\"label\":\"0\"}]}",
                    false);
            assertThat(r.statusCode()).as(path).isIn(302, 401, 403);
        }
        ReviewSession eve = ReviewSession.signIn(app.url(""), "eve", PASSWORDS.get("eve"));
        assertThat(eve.get("/review/api/next").statusCode()).isEqualTo(403);
        assertThat(eve.get("/review/activity").statusCode()).isEqualTo(403);

        ReviewSession a = ReviewSession.signIn(app.url(""), "alice", PASSWORDS.get("alice"));
        String task = idOf(a.get("/review/api/next").body());
        int before = reviewed().size();
        HttpResponse<String> noToken = a.postJson("/review/api/decisions",
                "{\"decisions\":[{\"eventId\":\"" + task + "\",\"label\":\"0\"}]}", false);
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(a.postJson("/review/api/tasks/" + task + "/skip", "", false).statusCode()).isEqualTo(403);
        assertThat(reviewed()).hasSize(before);
        // a reviewer named in the body is ignored: the record names the signed-in user
        HttpResponse<String> forged = a.postJson("/review/api/decisions",
                "{\"decisions\":[{\"eventId\":\"" + task + "\",\"label\":\"0\",\"reviewerId\":\"mallory\"}],"
                        + "\"reviewerId\":\"mallory\"}");
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(200);
        Map<String, List<ReviewedLabel>> after = reviewed();
        assertThat(after).hasSize(before + 1);
        assertThat(after.get(task)).singleElement().satisfies(x -> assertThat(x.getReviewerId()).isEqualTo("alice"));
        // a task bob holds cannot be decided by alice
        String bobs = tileIds(bob).get(0);
        HttpResponse<String> held = a.postJson("/review/api/decisions",
                "{\"decisions\":[{\"eventId\":\"" + bobs + "\",\"label\":\"0\"}]}");
        assertThat(held.statusCode()).isEqualTo(409);
        assertThat(held.body()).contains("someone else");
        // wrong password: back to the login page with an error
        alice.manage().deleteAllCookies();
        alice.get(app.url("/review"));
        alice.findElement(By.id("username")).sendKeys("alice");
        alice.findElement(By.id("password")).sendKeys("wrong" + Keys.ENTER);
        await(() -> !alice.findElements(By.id("login-error")).isEmpty(), "login error shown");
        Browser.screenshot(alice, "review-login-error");
    }

    @Test
    @Order(4)
    void aDecisionMadeWhileKafkaIsDownIsKeptShownUnsavedAndSavedOnceItIsBack() throws Exception {
        signIn(alice, "alice");
        String task = awaitAnyTask(alice);
        broker.stop();
        try {
            press(alice, Keys.ENTER);
            await(() -> alice.findElement(By.id("status")).getText().startsWith("Not saved"), Duration.ofSeconds(60),
                    "the page says the decision is not saved");
            assertThat(alice.findElement(By.id("status")).getText()).contains("Kafka").contains("retried");
            assertThat(stateOf(alice, task)).isEqualTo("not saved — retrying");
            Browser.screenshot(alice, "review-kafka-down");
        } finally {
            broker.start();
        }
        await(() -> "saved".equals(stateOf(alice, task)), Duration.ofSeconds(180), "saved after Kafka came back");
        assertThat(reviewed().get(task)).singleElement().satisfies(x -> {
            assertThat(x.getReviewerId()).isEqualTo("alice");
            assertThat(x.getOutcome()).isEqualTo(ReviewOutcome.CONFIRMED);
        });
    }

    @Test
    @Order(5)
    void aRestartLosesNoPendingTaskAndShowsNoReviewedTaskAgain() throws Exception {
        Set<String> decided = reviewed().keySet();
        Set<String> expected = IntStream.range(0, TASKS).mapToObj(ReviewFixture::id).filter(id -> !decided.contains(id))
                .collect(Collectors.toSet());
        assertThat(decided).hasSizeGreaterThanOrEqualTo(9);
        app.stop();
        app.start("review: queue");
        awaitPending(expected.size());
        HttpResponse<String> ready = ReviewSession.anonymous(app.url("")).get("/q/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"review\"");
        // bob walks the whole queue: take a task, skip it, until the first one comes round again
        ReviewSession b = ReviewSession.signIn(app.url(""), "bob", PASSWORDS.get("bob"));
        List<String> seen = new ArrayList<>();
        while (true) {
            String id = idOf(b.get("/review/api/next").body());
            if (id == null || seen.contains(id)) {
                break;
            }
            seen.add(id);
            assertThat(b.postJson("/review/api/tasks/" + id + "/skip", "").statusCode()).isEqualTo(204);
        }
        assertThat(new HashSet<>(seen)).isEqualTo(expected);
        assertThat(seen).doesNotContainAnyElementsOf(decided).doesNotHaveDuplicates();
    }

    // --- helpers

    private static void signIn(WebDriver d, String user) {
        d.manage().deleteAllCookies();
        d.get(app.url("/review"));
        await(() -> d.getCurrentUrl().endsWith("/review/login"), "redirected to the login page");
        d.findElement(By.id("username")).sendKeys(user);
        d.findElement(By.id("password")).sendKeys(PASSWORDS.get(user));
        d.findElement(By.id("sign-in")).click();
        await(() -> d.getCurrentUrl().endsWith("/review") && !d.findElements(By.id("user")).isEmpty(), "signed in");
        assertThat(d.findElement(By.id("user")).getText()).isEqualTo(user);
    }

    private static void press(WebDriver d, CharSequence key) {
        d.findElement(By.tagName("body")).sendKeys(key);
    }

    private static String shown(WebDriver d) {
        WebElement section = d.findElement(By.id("task"));
        return section.isDisplayed() ? d.findElement(By.id("event-id")).getText() : null;
    }

    private static void awaitShown(WebDriver d, String id) {
        await(() -> id.equals(shown(d)), "task " + id + " on screen (now " + shown(d) + ")");
    }

    private static String awaitAnyTask(WebDriver d) {
        await(() -> shown(d) != null && !shown(d).isEmpty(), "a task on screen");
        return shown(d);
    }

    private static List<String> savedIds(WebDriver d) {
        return d.findElements(By.cssSelector("#recent li[data-state='saved']")).stream()
                .map(li -> li.getAttribute("data-event-id")).toList();
    }

    private static String stateOf(WebDriver d, String id) {
        return d.findElements(By.cssSelector("#recent li")).stream()
                .filter(li -> id.equals(li.getAttribute("data-event-id"))).findFirst()
                .map(li -> li.getAttribute("data-state")).orElse(null);
    }

    private static List<String> tileIds(WebDriver d) {
        return d.findElements(By.cssSelector("#grid .tile")).stream().map(t -> t.getAttribute("data-event-id")).toList();
    }

    private static String idOf(String nextJson) {
        var m = java.util.regex.Pattern.compile("\"task\":\\{\"eventId\":\"([^\"]+)\"").matcher(nextJson);
        return m.find() ? m.group(1) : null;
    }

    private static void awaitPending(int n) throws Exception {
        ReviewSession s = ReviewSession.signIn(app.url(""), "alice", PASSWORDS.get("alice"));
        await(() -> {
            try {
                HttpResponse<String> r = s.get("/review/activity");
                return r.statusCode() == 200 && r.body().contains(">" + n + " pending;");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(90), n + " tasks pending");
    }

    private static Map<String, List<ReviewedLabel>> reviewed() {
        return readAll(TOPICS.reviewed(), new AvroWireDeserializer<>(registry, ReviewedLabel.class));
    }

    private static Map<String, List<LabelPosterior>> accepted() {
        return readAll(TOPICS.accepted(), new AvroWireDeserializer<>(registry, LabelPosterior.class));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> Map<String, List<T>> readAll(String topic,
                                                                                                   AvroWireDeserializer<T> d) {
        Map<String, List<T>> out = new HashMap<>();
        TopicReader.readAll(Map.of("bootstrap.servers", broker.bootstrapServers()), topic,
                r -> out.computeIfAbsent(new String(r.key()), k -> new ArrayList<>()).add(d.deserialize(topic, r.value())));
        return out;
    }

    private static void await(Supplier<Boolean> condition, String what) {
        await(condition, Duration.ofSeconds(30), what);
    }

    private static void await(Supplier<Boolean> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (RuntimeException e) {
                // the page is between states: try again
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
    }
}
