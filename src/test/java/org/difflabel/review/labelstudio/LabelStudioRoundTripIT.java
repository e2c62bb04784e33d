package org.difflabel.review.labelstudio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelSource;
import org.difflabel.contracts.RejectionReason;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.replay.TopicReader;
import org.difflabel.review.Decision;
import org.difflabel.review.ReviewRecords;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Label Studio round trip against a real broker and schema registry: {@code review-export} writes
 * the pending tasks of {@code labels.review} as a Label Studio project; a Label Studio JSON export
 * of that project (annotated as annotators would) goes back through {@code review-import} onto
 * {@code labels.reviewed} and {@code labels.accepted}, once; files with an unknown event or a bad
 * answer publish nothing.
 */
@QuarkusMainTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabelStudioRoundTripIT {
    private static final LabelingTopics TOPICS = LabelingTopics.DEFAULTS;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PENDING = 100;
    private static final int REVIEWED = 5;
    private static final String[] DIGITS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

    private static EmbeddedKafka kafka;
    private static RegistryClient registry;
    private static final Map<String, ReviewTask> pending = new HashMap<>();
    private static final Set<String> reviewedBefore = new HashSet<>();
    private static Path work;
    /** The Label Studio export the round trip imported, and what each of its decisions must become. */
    private static Path annotated;
    private static final Map<String, Expected> expected = new HashMap<>();
    private static final List<String> unannotated = new ArrayList<>();

    record Expected(ReviewOutcome outcome, String finalLabel, boolean typed, RejectionReason rejection, String reviewer,
                    long timeSpentMs) {
    }

    @BeforeAll
    static void reviewQueueWithPendingAndReviewedTasks() throws Exception {
        kafka = EmbeddedKafka.start(null);
        kafka.createTopics(TOPICS.all(), 2);
        registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        work = Files.createTempDirectory("label-studio-it");
        var tasks = AvroWireSerializer.forValues(registry, ReviewTask.class);
        var decisions = AvroWireSerializer.forValues(registry, ReviewedLabel.class);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < PENDING + REVIEWED; i++) {
                String id = String.format("digit-%03d", i);
                String[] labels = rotate(DIGITS, i);
                ReviewTask t = ReviewTasks.task(id, 1000 - i, ("png of " + id).getBytes(StandardCharsets.UTF_8), labels);
                if (i == 10) {
                    // an older task for the same event: the newest one is the task (and exported once)
                    ReviewTask older = ReviewTasks.task(id, 1, new byte[] {1}, rotate(DIGITS, 3));
                    p.send(record(TOPICS.review(), id, tasks.serialize(TOPICS.review(), older)));
                }
                p.send(record(TOPICS.review(), id, tasks.serialize(TOPICS.review(), t)));
                if (i >= PENDING) {
                    ReviewedLabel done = ReviewRecords.reviewed(t, Decision.label(id, labels[0], 1200L), "ui:alice",
                            ReviewSource.REVIEW_UI, Instant.now());
                    p.send(record(TOPICS.reviewed(), id, decisions.serialize(TOPICS.reviewed(), done)));
                    reviewedBefore.add(id);
                } else {
                    pending.put(id, t);
                }
            }
            p.flush();
        }
    }

    private static String[] rotate(String[] labels, int by) {
        String[] out = new String[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[(i + by) % labels.length];
        }
        return out;
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    private LaunchResult run(QuarkusMainLauncher launcher, String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command, "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", RegistryServer.shared().url()));
        all.addAll(List.of(args));
        return launcher.launch(all.toArray(String[]::new));
    }

    @Test
    @Order(1)
    void exportWritesEveryPendingTaskOnceWithTheModelsLabelAsPrediction(QuarkusMainLauncher launcher) throws Exception {
        Path out = work.resolve("project");
        LaunchResult r = run(launcher, "review-export", "--format", "label-studio", "--out", out.toString());

        assertThat(r.exitCode()).as(r.getOutput() + r.getErrorOutput()).isZero();
        assertThat(r.getErrorOutput()).contains("exported " + PENDING + " tasks").contains(REVIEWED + " already reviewed");
        JsonNode tasks = JSON.readTree(out.resolve("tasks.json").toFile());
        assertThat(tasks.size()).isEqualTo(PENDING);
        List<String> ids = tasks.findValuesAsText("eventId");
        assertThat(ids).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(pending.keySet())
                .doesNotContainAnyElementsOf(reviewedBefore);
        assertThat(ids).as("highest priority first").isSorted();
        for (JsonNode task : tasks) {
            ReviewTask t = pending.get(task.at("/data/eventId").asText());
            assertThat(task.at("/data/image").asText()).isEqualTo("data:image/png;base64,"
                    + java.util.Base64.getEncoder().encodeToString(("png of " + t.getEventId()).getBytes(StandardCharsets.UTF_8)));
            JsonNode prediction = task.at("/predictions/0");
            assertThat(prediction.get("model_version").asText()).isEqualTo(t.getModelId() + ":" + t.getModelVersion());
            assertThat(prediction.get("score").asDouble()).isEqualTo(t.getConfidence());
            assertThat(prediction.at("/result/0/from_name").asText()).isEqualTo("label");
            assertThat(prediction.at("/result/0/to_name").asText()).isEqualTo("image");
            assertThat(prediction.at("/result/0/type").asText()).isEqualTo("choices");
            assertThat(prediction.at("/result/0/value/choices").toString()).isEqualTo("[\"" + t.getTopLabel() + "\"]");
        }
        String config = Files.readString(out.resolve("labeling-config.xml"));
        for (String d : DIGITS) {
            assertThat(config).containsOnlyOnce("<Choice value=\"" + d + "\"/>");
        }
        assertThat(config).contains("<Choice value=\"" + LabelStudioTasks.NONE_OF_THESE + "\"/>")
                .contains("<Choice value=\"" + LabelStudioTasks.UNUSABLE_IMAGE + "\"/>");

        annotated = work.resolve("label-studio-export.json");
        Files.writeString(annotated, JSON.writeValueAsString(annotateAsLabelStudioWould(tasks)));
    }

    /**
     * What Label Studio exports after annotators worked on the imported tasks: each task with its
     * {@code data} as imported, an {@code id}, and {@code annotations} (confirmations, corrections,
     * rejections, a typed label, skips, a changed mind, some left undone), records the decisions expected.
     */
    private static ArrayNode annotateAsLabelStudioWould(JsonNode imported) {
        ArrayNode export = JSON.createArrayNode();
        for (int i = 0; i < imported.size(); i++) {
            JsonNode task = imported.get(i);
            ReviewTask t = pending.get(task.at("/data/eventId").asText());
            ObjectNode out = export.addObject();
            out.put("id", 1000 + i);
            out.set("data", task.get("data"));
            out.putArray("predictions").add(5000 + i); // the default export lists prediction ids
            ArrayNode annotations = out.putArray("annotations");
            // annotators: one as the expanded user object (email), one as a bare user id
            boolean ana = i % 3 != 0;
            String reviewer = ana ? "ana@example.org" : "label-studio:7";
            double lead = 2.5 + i;
            long ms = Math.round(lead * 1000);
            String second = t.getCandidates().get(1).getLabel();
            if (i % 20 == 19) {
                unannotated.add(t.getEventId()); // not done yet
            } else if (i % 20 == 18) {
                annotations.add(annotation(t.getTopLabel(), null, ana, lead, "2026-11-21T09:00:00Z", true));
                unannotated.add(t.getEventId()); // skipped by its annotator
            } else if (i == 5) {
                annotations.add(annotation(LabelStudioTasks.NONE_OF_THESE, "seven-ish", ana, lead, "2026-11-21T09:00:00Z", false));
                expected.put(t.getEventId(), new Expected(ReviewOutcome.CORRECTED, "seven-ish", true, null, reviewer, ms));
            } else if (i % 4 == 0) {
                annotations.add(annotation(t.getTopLabel(), null, ana, lead, "2026-11-21T09:00:00Z", false));
                expected.put(t.getEventId(), new Expected(ReviewOutcome.CONFIRMED, t.getTopLabel(), false, null, reviewer, ms));
            } else if (i % 4 == 1) {
                annotations.add(annotation(second, null, ana, lead, "2026-11-21T09:00:00Z", false));
                expected.put(t.getEventId(), new Expected(ReviewOutcome.CORRECTED, second, false, null, reviewer, ms));
            } else if (i % 4 == 2) {
                String choice = i % 8 == 2 ? LabelStudioTasks.NONE_OF_THESE : LabelStudioTasks.UNUSABLE_IMAGE;
                annotations.add(annotation(choice, null, ana, lead, "2026-11-21T09:00:00Z", false));
                expected.put(t.getEventId(), new Expected(ReviewOutcome.REJECTED, null, false, i % 8 == 2
                        ? RejectionReason.NONE_OF_THESE : RejectionReason.UNUSABLE_IMAGE, reviewer, ms));
            } else {
                // a correction first, then (later) a confirmation by someone else: the later one counts
                annotations.add(annotation(second, null, !ana, 1.0, "2026-11-21T08:00:00Z", false));
                annotations.add(annotation(t.getTopLabel(), null, ana, lead, "2026-11-21T10:00:00Z", false));
                expected.put(t.getEventId(), new Expected(ReviewOutcome.CONFIRMED, t.getTopLabel(), false, null, reviewer, ms));
            }
        }
        return export;
    }

    private static ObjectNode annotation(String choice, String typed, boolean ana, double leadSeconds, String at,
                                         boolean cancelled) {
        ObjectNode a = JSON.createObjectNode();
        a.put("id", at.hashCode());
        if (ana) {
            a.putObject("completed_by").put("id", 12).put("email", "ana@example.org").put("first_name", "Ana")
                    .put("last_name", "");
        } else {
            a.put("completed_by", 7);
        }
        ArrayNode result = a.putArray("result");
        if (!cancelled) {
            ObjectNode c = result.addObject();
            c.put("id", "r" + Math.abs(choice.hashCode())).put("from_name", "label").put("to_name", "image")
                    .put("type", "choices").put("origin", "manual");
            c.putObject("value").putArray("choices").add(choice);
            if (typed != null) {
                ObjectNode text = result.addObject();
                text.put("from_name", "typed").put("to_name", "image").put("type", "textarea");
                text.putObject("value").putArray("text").add(typed);
            }
        }
        a.put("was_cancelled", cancelled);
        a.put("ground_truth", false);
        a.put("created_at", at);
        a.put("updated_at", at);
        a.put("lead_time", leadSeconds);
        a.putNull("prediction");
        return a;
    }

    @Test
    @Order(2)
    void importPublishesEveryDecisionOnceAsLabelStudiosWithTheHumanLabelsAccepted(QuarkusMainLauncher launcher)
            throws Exception {
        assertThat(annotated).as("the export test ran first").isNotNull();
        LaunchResult r = run(launcher, "review-import", "--file", annotated.toString());

        assertThat(r.exitCode()).as(r.getOutput() + r.getErrorOutput()).isZero();
        long rejected = expected.values().stream().filter(e -> e.outcome() == ReviewOutcome.REJECTED).count();
        assertThat(r.getOutput()).contains("published " + expected.size() + " decisions to labels.reviewed")
                .contains("and " + (expected.size() - rejected) + " human labels to labels.accepted")
                .contains("skipped 0 already reviewed").contains("unannotated " + unannotated.size());

        // the commit's markers reach the partitions just after commitTransaction returns: wait for them
        awaitCommitted(TOPICS.reviewed(), expected.size() + REVIEWED);
        awaitCommitted(TOPICS.accepted(), expected.size() - rejected);
        Map<String, List<ReviewedLabel>> reviewed = reviewedByEvent();
        for (var e : expected.entrySet()) {
            List<ReviewedLabel> got = reviewed.get(e.getKey());
            assertThat(got).as(e.getKey()).hasSize(1);
            ReviewedLabel l = got.get(0);
            Expected x = e.getValue();
            ReviewTask t = pending.get(e.getKey());
            assertThat(l.getSource()).isEqualTo(ReviewSource.LABEL_STUDIO);
            assertThat(l.getReviewerId()).isEqualTo(x.reviewer());
            assertThat(l.getOutcome()).as(e.getKey()).isEqualTo(x.outcome());
            assertThat(l.getFinalLabel()).isEqualTo(x.finalLabel());
            assertThat(l.getLabelTyped()).isEqualTo(x.typed());
            assertThat(l.getRejection()).isEqualTo(x.rejection());
            assertThat(l.getTimeSpentMs()).isEqualTo(x.timeSpentMs());
            assertThat(l.getModelTopLabel()).isEqualTo(t.getTopLabel());
            assertThat(l.getModelVersion()).isEqualTo(t.getModelVersion());
            assertThat(l.getPolicyVersion()).isEqualTo(t.getPolicyVersion());
        }
        assertThat(reviewed.keySet()).doesNotContainAnyElementsOf(unannotated);
        assertThat(reviewed.values().stream().mapToInt(List::size).sum()).isEqualTo(expected.size() + REVIEWED);
        assertThat(reviewed.values().stream().flatMap(List::stream).filter(l -> l.getSource() == ReviewSource.LABEL_STUDIO))
                .hasSize(expected.size());
        for (String id : reviewedBefore) {
            assertThat(reviewed.get(id)).singleElement().satisfies(l -> assertThat(l.getSource()).isEqualTo(ReviewSource.REVIEW_UI));
        }

        Map<String, List<LabelPosterior>> accepted = acceptedByEvent();
        assertThat(accepted.keySet()).containsExactlyInAnyOrderElementsOf(expected.entrySet().stream()
                .filter(e -> e.getValue().outcome() != ReviewOutcome.REJECTED).map(Map.Entry::getKey).toList());
        for (var e : accepted.entrySet()) {
            Expected x = expected.get(e.getKey());
            assertThat(e.getValue()).as(e.getKey()).singleElement().satisfies(p -> {
                assertThat(p.getLabelSource()).isEqualTo(LabelSource.HUMAN);
                assertThat(p.getReviewerId()).isEqualTo(x.reviewer());
                assertThat(p.getTopLabel()).isEqualTo(x.finalLabel());
                assertThat(p.getLineage()).isEqualTo(pending.get(e.getKey()).getSource());
            });
        }
    }

    @Test
    @Order(3)
    void importingTheSameFileAgainPublishesNothingAndSaysWhy(QuarkusMainLauncher launcher) throws Exception {
        long reviewedBeforeRun = logEnd(TOPICS.reviewed());
        long acceptedBeforeRun = logEnd(TOPICS.accepted());

        LaunchResult r = run(launcher, "review-import", "--file", annotated.toString());

        assertThat(r.exitCode()).as(r.getOutput() + r.getErrorOutput()).isZero();
        assertThat(r.getOutput()).contains("published 0 decisions")
                .contains("skipped " + expected.size() + " already reviewed: digit-000");
        // nothing written at all, not even an aborted transaction
        assertThat(logEnd(TOPICS.reviewed())).isEqualTo(reviewedBeforeRun);
        assertThat(logEnd(TOPICS.accepted())).isEqualTo(acceptedBeforeRun);
    }

    @Test
    @Order(4)
    void aFileWithAnUnknownEventIsRefusedAndPublishesNothing(QuarkusMainLauncher launcher) throws Exception {
        // one good decision on a still pending task, and one for an event the review topic never had
        ArrayNode file = JSON.createArrayNode();
        file.add(stillPendingTask(LabelStudioTasks.NONE_OF_THESE));
        ObjectNode stranger = file.addObject();
        stranger.putObject("data").put("eventId", "no-such-event");
        stranger.putArray("annotations").add(annotation("3", null, true, 1, "2026-11-21T09:00:00Z", false));
        assertRefusedWithNothingPublished(launcher, file, "1 event(s) not on labels.review (wrong file or cluster?): no-such-event");
    }

    @Test
    @Order(5)
    void aFileWithAnAnswerThatIsNoCandidateIsRefusedAndPublishesNothing(QuarkusMainLauncher launcher) throws Exception {
        ArrayNode file = JSON.createArrayNode();
        file.add(stillPendingTask(LabelStudioTasks.UNUSABLE_IMAGE));
        ObjectNode bad = stillPendingTask("cat");
        file.add(bad);
        assertRefusedWithNothingPublished(launcher, file, "choice 'cat' is not one of its candidates");
    }

    @Test
    @Order(6)
    void aFileThatIsNotALabelStudioExportIsRefusedAndPublishesNothing(QuarkusMainLauncher launcher) throws Exception {
        Path notJson = Files.writeString(work.resolve("export.csv"), "eventId,label\ndigit-019,3\n");
        long before = logEnd(TOPICS.reviewed());
        LaunchResult r = run(launcher, "review-import", "--file", notJson.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.getErrorOutput()).contains("is not JSON").contains("nothing was published");
        assertThat(logEnd(TOPICS.reviewed())).isEqualTo(before);

        assertRefusedWithNothingPublished(launcher, JSON.createObjectNode().put("eventId", "digit-019"),
                "expected an array of tasks, found object");
    }

    private static int nextPending; // static: JUnit makes an instance per test, and each refusal needs tasks of its own

    /** A Label Studio task of a task the round trip left unannotated (still pending), answered with {@code choice}. */
    private ObjectNode stillPendingTask(String choice) {
        String id = unannotated.get(nextPending++ % unannotated.size());
        ObjectNode task = JSON.createObjectNode();
        task.putObject("data").put("eventId", id);
        task.putArray("annotations").add(annotation(choice, null, true, 1, "2026-11-21T09:00:00Z", false));
        return task;
    }

    private void assertRefusedWithNothingPublished(QuarkusMainLauncher launcher, JsonNode file, String message)
            throws Exception {
        Path path = Files.createTempFile(work, "export", ".json");
        Files.writeString(path, JSON.writeValueAsString(file));
        long reviewedBeforeRun = logEnd(TOPICS.reviewed());
        long acceptedBeforeRun = logEnd(TOPICS.accepted());

        LaunchResult r = run(launcher, "review-import", "--file", path.toString());

        assertThat(r.exitCode()).as(r.getOutput() + r.getErrorOutput()).isEqualTo(2);
        assertThat(r.getErrorOutput()).contains(message).contains("nothing was published");
        // nothing written at all, not even an aborted transaction
        assertThat(logEnd(TOPICS.reviewed())).isEqualTo(reviewedBeforeRun);
        assertThat(logEnd(TOPICS.accepted())).isEqualTo(acceptedBeforeRun);
    }

    private static long count(String topic) {
        return TopicReader.readAll(Map.of("bootstrap.servers", kafka.bootstrapServers()), topic, r -> { });
    }

    /** Waits (up to 15 s) until {@code topic} has {@code n} committed records; more fails at once. */
    private static void awaitCommitted(String topic, long n) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        long seen;
        while ((seen = count(topic)) < n && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(seen).as("committed records on " + topic).isEqualTo(n);
    }

    /** Sum of the log end offsets of {@code topic}'s partitions: moves with any write, committed, aborted or a marker. */
    private static long logEnd(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get()
                    .values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
        }
    }

    private static Map<String, List<ReviewedLabel>> reviewedByEvent() {
        var reader = new AvroWireDeserializer<>(registry, ReviewedLabel.class);
        List<ReviewedLabel> all = new ArrayList<>();
        TopicReader.readAll(Map.of("bootstrap.servers", kafka.bootstrapServers()), TOPICS.reviewed(),
                r -> all.add(reader.deserialize(r.topic(), r.value())));
        return all.stream().collect(Collectors.groupingBy(ReviewedLabel::getEventId));
    }

    private static Map<String, List<LabelPosterior>> acceptedByEvent() {
        var reader = new AvroWireDeserializer<>(registry, LabelPosterior.class);
        List<LabelPosterior> all = new ArrayList<>();
        TopicReader.readAll(Map.of("bootstrap.servers", kafka.bootstrapServers()), TOPICS.accepted(),
                r -> all.add(reader.deserialize(r.topic(), r.value())));
        return all.stream().collect(Collectors.groupingBy(LabelPosterior::getEventId));
    }
}
