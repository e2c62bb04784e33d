package org.difflabel.review.labelstudio;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.ReviewTask;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

/**
 * Review tasks as a Label Studio project: the tasks to import ({@code tasks.json}, the "Basic Label
 * Studio JSON format" with the model's label as a pre-annotation in {@code predictions}) and the
 * labeling interface they need ({@code labeling-config.xml}: the image, one single-choice list of
 * the candidate labels plus the two rejections, and a text box for a label none of them fits).
 * {@link LabelStudioExport} reads the annotations back; both sides use the names defined here.
 */
public final class LabelStudioTasks {
    /** Name of the Image object tag, and the task data key it shows ({@code $image}). */
    public static final String IMAGE = "image";
    /** Name of the Choices control tag: the reviewer's choice. */
    public static final String CHOICES = "label";
    /** Name of the TextArea control tag: a label the reviewer types when no candidate fits. */
    public static final String TYPED = "typed";
    /** Choice for "the image shows something outside the vocabulary" (RejectionReason.NONE_OF_THESE). */
    public static final String NONE_OF_THESE = "(none of these)";
    /** Choice for "no label can be given to this image" (RejectionReason.UNUSABLE_IMAGE). */
    public static final String UNUSABLE_IMAGE = "(unusable image)";

    private static final ObjectMapper JSON = new ObjectMapper();

    private LabelStudioTasks() {
    }

    /** What {@link #write} did. */
    public record Written(int exported, int withoutImage, int reservedLabel, Set<String> labels) {
    }

    /**
     * Writes {@code DIR/tasks.json} and {@code DIR/labeling-config.xml} for {@code tasks}, in their
     * order. Tasks are skipped (and counted) when they have no image to show (not inlined and no
     * {@code imageUrlPrefix}) or a candidate label equal to one of the rejection choices (the
     * reviewer's answer would be ambiguous).
     *
     * @param imageUrlPrefix null: images inline as data URIs; else each task's image is this prefix
     *                       followed by its URL-encoded event id (served by something else)
     * @param progress       called with the number of tasks written, every 1,000 tasks
     */
    public static Written write(Path dir, List<ReviewTask> tasks, String imageUrlPrefix, IntConsumer progress)
            throws IOException {
        Files.createDirectories(dir);
        Set<String> labels = new LinkedHashSet<>();
        int exported = 0;
        int withoutImage = 0;
        int reserved = 0;
        Path tmp = dir.resolve("tasks.json.tmp");
        try (OutputStream out = Files.newOutputStream(tmp); JsonGenerator g = JSON.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartArray();
            // streamed one task at a time: inline images make the whole file large
            for (ReviewTask t : tasks) {
                Optional<String> image = imageRef(t, imageUrlPrefix);
                if (image.isEmpty()) {
                    withoutImage++;
                    continue;
                }
                if (usesReservedChoice(t)) {
                    reserved++;
                    continue;
                }
                JSON.writeTree(g, task(t, image.get()));
                t.getCandidates().forEach(c -> labels.add(c.getLabel()));
                if (++exported % 1000 == 0 && progress != null) {
                    progress.accept(exported);
                }
            }
            g.writeEndArray();
        }
        // replaced at the end, so a failed export never leaves half a tasks file behind
        Files.move(tmp, dir.resolve("tasks.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("labeling-config.xml"), labelingConfig(labels));
        return new Written(exported, withoutImage, reserved, labels);
    }

    /** The image as Label Studio loads it: a data URI of the inlined bytes, or the URL under {@code urlPrefix}. */
    public static Optional<String> imageRef(ReviewTask t, String urlPrefix) {
        if (urlPrefix != null) {
            // the id may contain '/', '?', '#': one encoded path segment (space as %20, not '+')
            return Optional.of(urlPrefix + URLEncoder.encode(t.getEventId(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        if (t.getImage() == null) {
            return Optional.empty();
        }
        ByteBuffer b = t.getImage().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        String type = t.getContentType() != null ? t.getContentType() : "application/octet-stream";
        return Optional.of("data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes));
    }

    /** Whether a candidate label of {@code t} equals a rejection choice (such a task cannot be exported). */
    public static boolean usesReservedChoice(ReviewTask t) {
        return t.getCandidates().stream().map(LabelProbability::getLabel)
                .anyMatch(l -> l.equals(NONE_OF_THESE) || l.equals(UNUSABLE_IMAGE));
    }

    /**
     * One Label Studio task: {@code data} (the image and what the reviewer and the Data Manager's
     * columns need; {@code eventId} is how {@link LabelStudioExport} finds the task again) and the
     * model's top label as a prediction, which Label Studio shows pre-selected.
     */
    public static ObjectNode task(ReviewTask t, String image) {
        ObjectNode task = JSON.createObjectNode();
        ObjectNode data = task.putObject("data");
        data.put(IMAGE, image);
        data.put("eventId", t.getEventId());
        data.put("modelId", t.getModelId());
        data.put("modelVersion", t.getModelVersion());
        data.put("topLabel", t.getTopLabel());
        data.put("confidence", t.getConfidence());
        data.put("margin", t.getMargin());
        data.put("priority", t.getPriority());
        data.put("reasons", t.getReasons().stream().map(Enum::name).collect(Collectors.joining(",")));
        data.put("candidates", t.getCandidates().stream()
                .map(c -> String.format(Locale.ROOT, "%s %.3f", c.getLabel(), c.getProbability()))
                .collect(Collectors.joining(", ")));
        data.put("policyVersion", t.getPolicyVersion());
        data.put("source", t.getSource().getTopic() + "-" + t.getSource().getPartition() + "@" + t.getSource().getOffset());
        data.put("createdAt", t.getCreatedAt().toString());
        ObjectNode prediction = task.putArray("predictions").addObject();
        prediction.put("model_version", t.getModelId() + ":" + t.getModelVersion());
        prediction.put("score", t.getConfidence());
        ObjectNode choice = prediction.putArray("result").addObject();
        choice.put("from_name", CHOICES);
        choice.put("to_name", IMAGE);
        choice.put("type", "choices");
        choice.putObject("value").putArray("choices").add(t.getTopLabel());
        return task;
    }

    /** The labeling interface: the image, the labels (in the order given) and the two rejections as one single choice, a text box. */
    public static String labelingConfig(Collection<String> labels) {
        List<String> lines = new ArrayList<>();
        lines.add("<View>");
        lines.add("  <Image name=\"" + IMAGE + "\" value=\"$" + IMAGE + "\"/>");
        lines.add("  <Choices name=\"" + CHOICES + "\" toName=\"" + IMAGE + "\" choice=\"single\" showInline=\"true\">");
        for (String label : labels) {
            lines.add("    <Choice value=\"" + xmlAttribute(label) + "\"/>");
        }
        lines.add("    <Choice value=\"" + xmlAttribute(NONE_OF_THESE) + "\"/>");
        lines.add("    <Choice value=\"" + xmlAttribute(UNUSABLE_IMAGE) + "\"/>");
        lines.add("  </Choices>");
        lines.add("  <TextArea name=\"" + TYPED + "\" toName=\"" + IMAGE + "\" maxSubmissions=\"1\" editable=\"true\""
                + " placeholder=\"None fits? Choose " + xmlAttribute(NONE_OF_THESE) + " and type the label here\"/>");
        lines.add("</View>");
        return String.join("\n", lines) + "\n";
    }

    /** {@code s} escaped for a double-quoted XML attribute (line breaks and tabs kept as character references). */
    static String xmlAttribute(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                // an attribute's raw line breaks and tabs would be normalised to spaces by the parser
                case '\n' -> b.append("&#10;");
                case '\r' -> b.append("&#13;");
                case '\t' -> b.append("&#9;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
