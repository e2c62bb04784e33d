package org.difflabel.review.labelstudio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.RejectionReason;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.review.Decision;
import org.difflabel.review.InvalidDecisionException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a Label Studio JSON export (the "JSON" format: an array of tasks, each with its
 * {@code data} as imported and its {@code annotations}) of a project made by
 * {@link LabelStudioTasks}. Each task's decision is its latest annotation that was not skipped
 * ({@code was_cancelled}); who made it is the annotation's {@code completed_by} (Label Studio is
 * the identity source: a user id, or the user object with its email when the export expands it).
 * Everything wrong with the file is collected and reported at once, before anything is published.
 */
public final class LabelStudioExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LabelStudioExport() {
    }

    /**
     * One task of the export.
     *
     * @param eventId    the task's {@code data.eventId}
     * @param annotation its latest non-skipped annotation, or null when it has none
     * @param skipped    how many of its annotations were skipped in Label Studio
     */
    public record Task(String eventId, Annotation annotation, int skipped) {
        public boolean annotated() {
            return annotation != null;
        }
    }

    /**
     * What an annotator answered.
     *
     * @param choice     the chosen value of the {@code label} choices, or null
     * @param typed      the text typed in the {@code typed} box, or null
     * @param annotator  who answered: the email when the export has it, else {@code label-studio:<user id>}
     * @param leadTimeMs Label Studio's {@code lead_time} (seconds spent on the task) in milliseconds, or null
     * @param at         when the annotation was last saved, or null when the export does not say
     */
    public record Annotation(String choice, String typed, String annotator, Long leadTimeMs, Instant at) {

        /**
         * The reviewer's decision on {@code task}: a candidate label; {@link LabelStudioTasks#NONE_OF_THESE}
         * (with a typed label: that label; without: the rejection); {@link LabelStudioTasks#UNUSABLE_IMAGE};
         * or just a typed label.
         *
         * @throws LabelStudioFormatException when the answer is not one {@code task} allows
         */
        public Decision decision(ReviewTask task) {
            String id = task.getEventId();
            List<String> candidates = task.getCandidates().stream().map(LabelProbability::getLabel).toList();
            try {
                if (choice == null) {
                    return Decision.label(id, typed, leadTimeMs);
                }
                if (choice.equals(LabelStudioTasks.NONE_OF_THESE)) {
                    return typed != null ? Decision.label(id, typed, leadTimeMs)
                            : Decision.reject(id, RejectionReason.NONE_OF_THESE, leadTimeMs);
                }
                if (choice.equals(LabelStudioTasks.UNUSABLE_IMAGE)) {
                    if (typed != null) {
                        throw new LabelStudioFormatException("event " + id + ": chose " + choice + " and typed '"
                                + typed + "': one or the other");
                    }
                    return Decision.reject(id, RejectionReason.UNUSABLE_IMAGE, leadTimeMs);
                }
                if (!candidates.contains(choice)) {
                    throw new LabelStudioFormatException("event " + id + ": choice '" + choice
                            + "' is not one of its candidates " + candidates + " nor a rejection choice");
                }
                if (typed != null && !typed.equals(choice)) {
                    throw new LabelStudioFormatException("event " + id + ": chose '" + choice + "' and typed '" + typed
                            + "': to type a label, choose " + LabelStudioTasks.NONE_OF_THESE);
                }
                return Decision.label(id, choice, leadTimeMs);
            } catch (InvalidDecisionException e) {
                throw new LabelStudioFormatException(e.getMessage());
            }
        }
    }

    /** Parses {@code file}. @throws LabelStudioFormatException naming every problem found */
    public static List<Task> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new LabelStudioFormatException(file + " is not JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")");
        }
        return parse(root);
    }

    /** Parses an export already read as JSON. @throws LabelStudioFormatException naming every problem found */
    public static List<Task> parse(JsonNode root) {
        if (root == null || !root.isArray()) {
            throw new LabelStudioFormatException("not a Label Studio JSON export: expected an array of tasks, found "
                    + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
        List<String> problems = new ArrayList<>();
        List<Task> tasks = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode t = root.get(i);
            String where = "task #" + (i + 1) + (t.hasNonNull("id") ? " (Label Studio id " + t.get("id").asText() + ")" : "");
            JsonNode eventId = t.path("data").path("eventId");
            if (!eventId.isTextual() || eventId.asText().isBlank()) {
                problems.add(where + ": no data.eventId (was the project imported from review-export's tasks.json?)");
                continue;
            }
            String id = eventId.asText();
            where += " event " + id;
            if (!seen.add(id)) {
                problems.add(where + ": the event appears in more than one task");
                continue;
            }
            try {
                tasks.add(task(id, t.path("annotations"), where));
            } catch (LabelStudioFormatException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new LabelStudioFormatException(problems);
        }
        return tasks;
    }

    private static Task task(String eventId, JsonNode annotations, String where) {
        if (annotations.isMissingNode() || annotations.isNull()) {
            return new Task(eventId, null, 0);
        }
        if (!annotations.isArray()) {
            throw new LabelStudioFormatException(where + ": annotations is not an array");
        }
        JsonNode latest = null;
        Instant latestAt = null;
        int skipped = 0;
        for (JsonNode a : annotations) {
            if (a.path("was_cancelled").asBoolean(false)) {
                skipped++;
                continue;
            }
            Instant at = time(a, where);
            // the latest save wins; without times, the later one in the array (Label Studio lists them oldest first)
            if (latest == null || at == null || latestAt == null || !at.isBefore(latestAt)) {
                latest = a;
                latestAt = at;
            }
        }
        return new Task(eventId, latest == null ? null : annotation(latest, latestAt, where), skipped);
    }

    private static Annotation annotation(JsonNode a, Instant at, String where) {
        String choice = null;
        String typed = null;
        if (!a.path("result").isArray()) {
            throw new LabelStudioFormatException(where + ": annotation result is not an array");
        }
        for (JsonNode r : a.path("result")) {
            String from = r.path("from_name").asText();
            if (from.equals(LabelStudioTasks.CHOICES) && r.path("type").asText().equals("choices")) {
                List<String> values = strings(r.path("value").path("choices"));
                if (values.size() != 1 || choice != null) {
                    throw new LabelStudioFormatException(where + ": the annotation has " + (choice != null ? "several" :
                            values.size()) + " choices; exactly one is expected");
                }
                choice = values.get(0);
            } else if (from.equals(LabelStudioTasks.TYPED) && r.path("type").asText().equals("textarea")) {
                List<String> values = strings(r.path("value").path("text")).stream().map(String::strip)
                        .filter(s -> !s.isEmpty()).toList();
                if (values.size() > 1 || (typed != null && !values.isEmpty())) {
                    throw new LabelStudioFormatException(where + ": several typed labels; one is expected");
                }
                typed = values.isEmpty() ? typed : values.get(0);
            }
            // results of other controls (a project may add its own) are not decisions: ignored
        }
        if (choice == null && typed == null) {
            // submitted without an answer: no decision, like a task without annotations
            return null;
        }
        return new Annotation(choice, typed, annotator(a.path("completed_by"), where), leadTime(a.path("lead_time")), at);
    }

    /** {@code completed_by}: a user id (the default export), the user object (expanded), or a plain string. */
    static String annotator(JsonNode by, String where) {
        if (by.isObject()) {
            String email = by.path("email").asText("");
            if (!email.isBlank()) {
                return email;
            }
            by = by.path("id");
        }
        if (by.isIntegralNumber()) {
            return "label-studio:" + by.asLong();
        }
        if (by.isTextual() && !by.asText().isBlank()) {
            return by.asText();
        }
        throw new LabelStudioFormatException(where + ": the annotation has no completed_by (who annotated it)");
    }

    private static Long leadTime(JsonNode seconds) {
        // Label Studio's seconds with the task open; a negative or missing one is unknown, not an error
        return seconds.isNumber() && seconds.asDouble() >= 0 ? Math.round(seconds.asDouble() * 1000) : null;
    }

    private static Instant time(JsonNode a, String where) {
        JsonNode t = a.hasNonNull("updated_at") ? a.get("updated_at") : a.path("created_at");
        if (!t.isTextual()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(t.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw new LabelStudioFormatException(where + ": annotation time '" + t.asText() + "' is not ISO-8601");
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(v -> out.add(v.isTextual() ? v.asText() : v.toString()));
        }
        return out;
    }
}
