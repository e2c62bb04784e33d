package org.difflabel.review.labelstudio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.difflabel.contracts.RejectionReason;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.review.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelStudioExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ReviewTask TASK = ReviewTasks.task("e1", 1, null, "3", "5", "8");

    /** A Label Studio export of one task (e1) with these annotations (JSON objects). */
    private static List<LabelStudioExport.Task> export(String... annotations) throws Exception {
        return LabelStudioExport.parse(JSON.readTree("[{\"id\": 17, \"data\": {\"image\": \"data:,\", \"eventId\": \"e1\"},"
                + " \"annotations\": [" + String.join(",", annotations) + "], \"predictions\": [4]}]"));
    }

    /** One annotation in Label Studio's export format, by {@code by}, choosing {@code choice} (null: no choice). */
    private static String annotation(String choice, String typed, String by, String updatedAt, boolean cancelled) {
        String result = (choice == null ? "" : "{\"id\": \"x1\", \"from_name\": \"label\", \"to_name\": \"image\","
                + " \"type\": \"choices\", \"origin\": \"manual\", \"value\": {\"choices\": [\"" + choice + "\"]}}")
                + (typed == null ? "" : (choice == null ? "" : ",") + "{\"from_name\": \"typed\", \"to_name\": \"image\","
                + " \"type\": \"textarea\", \"value\": {\"text\": [\"" + typed + "\"]}}");
        return "{\"id\": 1, \"completed_by\": " + by + ", \"result\": [" + result + "], \"was_cancelled\": " + cancelled
                + ", \"ground_truth\": false, \"created_at\": \"2026-11-21T08:00:00.000001Z\""
                + (updatedAt == null ? "" : ", \"updated_at\": \"" + updatedAt + "\"") + ", \"lead_time\": 4.288, \"task\": 17}";
    }

    private static Decision decide(String choice, String typed) throws Exception {
        return export(annotation(choice, typed, "1", null, false)).get(0).annotation().decision(TASK);
    }

    @Test
    void theLatestAnnotationThatWasNotSkippedIsTheDecision() throws Exception {
        List<LabelStudioExport.Task> tasks = export(
                annotation("5", null, "1", "2026-11-21T09:00:00.5Z", false),
                annotation("8", null, "2", "2026-11-21T10:00:00.123456Z", false),
                annotation("3", null, "1", "2026-11-21T09:30:00Z", false),
                annotation("3", null, "3", "2026-11-21T11:00:00Z", true));

        LabelStudioExport.Task t = tasks.get(0);
        assertThat(t.eventId()).isEqualTo("e1");
        assertThat(t.skipped()).isEqualTo(1);
        assertThat(t.annotation().choice()).isEqualTo("8");
        assertThat(t.annotation().annotator()).isEqualTo("label-studio:2");
        assertThat(t.annotation().at()).isEqualTo(Instant.parse("2026-11-21T10:00:00.123456Z"));
        assertThat(t.annotation().leadTimeMs()).isEqualTo(4288L);
    }

    @Test
    void withoutTimesTheLastAnnotationInTheArrayIsTheLatest() throws Exception {
        String first = annotation("5", null, "1", null, false).replace("\"created_at\": \"2026-11-21T08:00:00.000001Z\"",
                "\"ground_truth\": false");
        String second = annotation("8", null, "1", null, false).replace("\"created_at\": \"2026-11-21T08:00:00.000001Z\"",
                "\"ground_truth\": false");
        LabelStudioExport.Annotation a = export(first, second).get(0).annotation();
        assertThat(a.choice()).isEqualTo("8");
        assertThat(a.at()).isNull();
    }

    @Test
    void theAnnotatorIsTheEmailWhenTheExportExpandsTheUserElseTheLabelStudioUserId() throws Exception {
        assertThat(export(annotation("3", null, "{\"id\": 12, \"email\": \"ana@example.org\", \"first_name\": \"Ana\"}",
                null, false)).get(0).annotation().annotator()).isEqualTo("ana@example.org");
        assertThat(export(annotation("3", null, "{\"id\": 12, \"email\": \"\"}", null, false)).get(0).annotation()
                .annotator()).isEqualTo("label-studio:12");
        assertThat(export(annotation("3", null, "12", null, false)).get(0).annotation().annotator())
                .isEqualTo("label-studio:12");
        assertThatThrownBy(() -> export(annotation("3", null, "null", null, false)))
                .isInstanceOf(LabelStudioFormatException.class).hasMessageContaining("task #1 (Label Studio id 17) event e1")
                .hasMessageContaining("no completed_by");
    }

    @Test
    void choicesBecomeLabelsOrRejections() throws Exception {
        assertThat(decide("3", null)).isEqualTo(Decision.label("e1", "3", 4288L));
        assertThat(decide("8", null)).isEqualTo(Decision.label("e1", "8", 4288L));
        assertThat(decide(LabelStudioTasks.NONE_OF_THESE, null))
                .isEqualTo(Decision.reject("e1", RejectionReason.NONE_OF_THESE, 4288L));
        assertThat(decide(LabelStudioTasks.UNUSABLE_IMAGE, null))
                .isEqualTo(Decision.reject("e1", RejectionReason.UNUSABLE_IMAGE, 4288L));
        // a typed label: with "none of these", or on its own, or repeating the chosen candidate
        assertThat(decide(LabelStudioTasks.NONE_OF_THESE, " seven ")).isEqualTo(Decision.label("e1", "seven", 4288L));
        assertThat(decide(null, "seven")).isEqualTo(Decision.label("e1", "seven", 4288L));
        assertThat(decide("5", "5")).isEqualTo(Decision.label("e1", "5", 4288L));
    }

    @Test
    void anAnswerTheTaskDoesNotAllowIsRefusedWithWhatWasWrong() {
        assertThatThrownBy(() -> decide("dog", null)).isInstanceOf(LabelStudioFormatException.class)
                .hasMessage("event e1: choice 'dog' is not one of its candidates [3, 5, 8] nor a rejection choice");
        assertThatThrownBy(() -> decide("3", "seven")).isInstanceOf(LabelStudioFormatException.class)
                .hasMessageContaining("chose '3' and typed 'seven'");
        assertThatThrownBy(() -> decide(LabelStudioTasks.UNUSABLE_IMAGE, "seven"))
                .isInstanceOf(LabelStudioFormatException.class).hasMessageContaining("one or the other");
        assertThatThrownBy(() -> decide(null, "x".repeat(Decision.MAX_LABEL_LENGTH + 1)))
                .isInstanceOf(LabelStudioFormatException.class).hasMessageContaining("a label is 1 to 200 printable");
    }

    @Test
    void tasksWithoutAnAnswerAreUnannotated() throws Exception {
        JsonNode file = JSON.readTree("["
                + "{\"data\": {\"eventId\": \"none\"}},"
                + "{\"data\": {\"eventId\": \"empty\"}, \"annotations\": []},"
                + "{\"data\": {\"eventId\": \"skipped\"}, \"annotations\": [" + annotation("3", null, "1", null, true) + "]},"
                + "{\"data\": {\"eventId\": \"no-choice\"}, \"annotations\": [" + annotation(null, null, "1", null, false) + "]}"
                + "]");
        List<LabelStudioExport.Task> tasks = LabelStudioExport.parse(file);
        assertThat(tasks).extracting(LabelStudioExport.Task::eventId).containsExactly("none", "empty", "skipped", "no-choice");
        assertThat(tasks).noneMatch(LabelStudioExport.Task::annotated);
        assertThat(tasks.get(2).skipped()).isEqualTo(1);
    }

    @Test
    void aFileThatIsNotJsonOrNotAnArrayIsRefused(@TempDir Path dir) throws Exception {
        Path notJson = Files.writeString(dir.resolve("export.json"), "eventId,label\ne1,3\n");
        assertThatThrownBy(() -> LabelStudioExport.read(notJson)).isInstanceOf(LabelStudioFormatException.class)
                .hasMessageContaining("is not JSON");
        Path object = Files.writeString(dir.resolve("object.json"), "{\"data\": {\"eventId\": \"e1\"}}");
        assertThatThrownBy(() -> LabelStudioExport.read(object)).isInstanceOf(LabelStudioFormatException.class)
                .hasMessage("not a Label Studio JSON export: expected an array of tasks, found object");
        Path empty = Files.writeString(dir.resolve("empty.json"), "");
        assertThatThrownBy(() -> LabelStudioExport.read(empty)).isInstanceOf(LabelStudioFormatException.class)
                .hasMessageContaining("found nothing");
    }

    @Test
    void everyProblemOfTheFileIsNamedAtOnce() throws Exception {
        JsonNode file = JSON.readTree("["
                + "{\"id\": 1, \"data\": {\"image\": \"x\"}},"
                + "{\"id\": 2, \"data\": {\"eventId\": \"e2\"}, \"annotations\": [{\"completed_by\": 1, \"result\": ["
                + "  {\"from_name\": \"label\", \"type\": \"choices\", \"value\": {\"choices\": [\"3\", \"5\"]}}]}]},"
                + "{\"id\": 3, \"data\": {\"eventId\": \"e3\"}},"
                + "{\"id\": 4, \"data\": {\"eventId\": \"e3\"}},"
                + "{\"id\": 5, \"data\": {\"eventId\": \"e5\"}, \"annotations\": {}}"
                + "]");
        assertThatThrownBy(() -> LabelStudioExport.parse(file)).isInstanceOf(LabelStudioFormatException.class)
                .satisfies(e -> assertThat(((LabelStudioFormatException) e).problems()).containsExactly(
                        "task #1 (Label Studio id 1): no data.eventId (was the project imported from review-export's tasks.json?)",
                        "task #2 (Label Studio id 2) event e2: the annotation has 2 choices; exactly one is expected",
                        "task #4 (Label Studio id 4) event e3: the event appears in more than one task",
                        "task #5 (Label Studio id 5) event e5: annotations is not an array"))
                .hasMessageStartingWith("4 problems:");
    }
}
