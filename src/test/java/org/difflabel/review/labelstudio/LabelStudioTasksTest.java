package org.difflabel.review.labelstudio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.difflabel.contracts.ReviewTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LabelStudioTasksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 1, 2, (byte) 0xff};

    @Test
    void aTaskShowsTheInlineImageAsADataUriAndTheModelsTopLabelAsItsPrediction() {
        ReviewTask t = ReviewTasks.task("evt-1", 700, PNG, "3", "5", "8");
        ObjectNode task = LabelStudioTasks.task(t, LabelStudioTasks.imageRef(t, null).orElseThrow());

        String image = task.at("/data/image").asText();
        assertThat(image).startsWith("data:image/png;base64,");
        assertThat(Base64.getDecoder().decode(image.substring(image.indexOf(',') + 1))).isEqualTo(PNG);
        assertThat(task.at("/data/eventId").asText()).isEqualTo("evt-1");
        assertThat(task.at("/data/modelVersion").asText()).isEqualTo("1.1.0");
        assertThat(task.at("/data/candidates").asText()).isEqualTo("3 0.500, 5 0.250, 8 0.125");
        assertThat(task.has("id")).as("Label Studio numbers the tasks itself").isFalse();

        JsonNode predictions = task.get("predictions");
        assertThat(predictions).hasSize(1);
        assertThat(predictions.get(0).get("model_version").asText()).isEqualTo("mnist-ddpm:1.1.0");
        assertThat(predictions.get(0).get("score").asDouble()).isEqualTo(0.5);
        JsonNode result = predictions.get(0).get("result");
        assertThat(result).hasSize(1);
        assertThat(result.get(0).get("from_name").asText()).isEqualTo("label");
        assertThat(result.get(0).get("to_name").asText()).isEqualTo("image");
        assertThat(result.get(0).get("type").asText()).isEqualTo("choices");
        assertThat(result.get(0).at("/value/choices").toString()).isEqualTo("[\"3\"]");
    }

    @Test
    void withAUrlPrefixTheImageIsTheEncodedEventIdUnderIt() {
        ReviewTask notInlined = ReviewTasks.task("7/digit 7?.png", 1, null, "7", "1");
        assertThat(LabelStudioTasks.imageRef(notInlined, "https://img.example/events/"))
                .contains("https://img.example/events/7%2Fdigit%207%3F.png");
        assertThat(LabelStudioTasks.imageRef(notInlined, null)).as("nothing to show").isEmpty();
    }

    @Test
    void theLabelingConfigOffersEachLabelOnceAndBothRejectionsAsOneSingleChoice() throws Exception {
        List<String> labels = List.of("cat", "a<b & \"c\" 'd'", "two\nlines");
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(LabelStudioTasks.labelingConfig(labels).getBytes(StandardCharsets.UTF_8)));

        Element image = (Element) doc.getElementsByTagName("Image").item(0);
        assertThat(image.getAttribute("name")).isEqualTo("image");
        assertThat(image.getAttribute("value")).isEqualTo("$image");
        Element choices = (Element) doc.getElementsByTagName("Choices").item(0);
        assertThat(choices.getAttribute("name")).isEqualTo("label");
        assertThat(choices.getAttribute("toName")).isEqualTo("image");
        assertThat(choices.getAttribute("choice")).isEqualTo("single");
        assertThat(choices.getAttribute("showInline")).isEqualTo("true");
        NodeList choice = choices.getElementsByTagName("Choice");
        List<String> values = new ArrayList<>();
        for (int i = 0; i < choice.getLength(); i++) {
            values.add(((Element) choice.item(i)).getAttribute("value"));
        }
        // the parser gives back exactly the labels: escaping lost nothing, not even the line break
        assertThat(values).containsExactly("cat", "a<b & \"c\" 'd'", "two\nlines", LabelStudioTasks.NONE_OF_THESE,
                LabelStudioTasks.UNUSABLE_IMAGE);
        Element typed = (Element) doc.getElementsByTagName("TextArea").item(0);
        assertThat(typed.getAttribute("name")).isEqualTo("typed");
        assertThat(typed.getAttribute("toName")).isEqualTo("image");
    }

    @Test
    void writeExportsTheTasksInOrderAndSkipsThoseItCannotShowOrThatUseAReservedLabel(@TempDir Path dir) throws Exception {
        List<ReviewTask> tasks = List.of(
                ReviewTasks.task("a", 900, PNG, "3", "5"),
                ReviewTasks.task("no-image", 800, null, "3", "5"),
                ReviewTasks.task("b", 700, PNG, "5", "9"),
                ReviewTasks.task("reserved", 600, PNG, "dog", LabelStudioTasks.NONE_OF_THESE),
                ReviewTasks.task("c", 500, PNG, "3", "dog"));

        LabelStudioTasks.Written w = LabelStudioTasks.write(dir, tasks, null, null);

        assertThat(w.exported()).isEqualTo(3);
        assertThat(w.withoutImage()).isEqualTo(1);
        assertThat(w.reservedLabel()).isEqualTo(1);
        JsonNode written = JSON.readTree(dir.resolve("tasks.json").toFile());
        assertThat(written.isArray()).isTrue();
        assertThat(written.findValuesAsText("eventId")).containsExactly("a", "b", "c");
        assertThat(written.get(2).at("/predictions/0/result/0/value/choices/0").asText()).isEqualTo("3");
        // labels of exported tasks only, each once, in the order first seen
        assertThat(w.labels()).containsExactly("3", "5", "9", "dog");
        String config = Files.readString(dir.resolve("labeling-config.xml"));
        assertThat(config).containsOnlyOnce("<Choice value=\"3\"/>").containsOnlyOnce("<Choice value=\"dog\"/>");
        assertThat(dir.resolve("tasks.json.tmp")).doesNotExist();
    }

    @Test
    void anAnnotationThatKeepsThePredictionReadsBackAsTheTopLabel() {
        // Label Studio turns an accepted prediction into an annotation with the same result
        ReviewTask t = ReviewTasks.task("evt-2", 1, PNG, "4", "9");
        ObjectNode task = LabelStudioTasks.task(t, "data:,");
        ObjectNode annotation = task.putArray("annotations").addObject();
        annotation.set("result", task.at("/predictions/0/result").deepCopy());
        annotation.put("completed_by", 3);
        annotation.put("was_cancelled", false);

        var parsed = LabelStudioExport.parse(JSON.createArrayNode().add(task));

        assertThat(parsed).hasSize(1);
        assertThat(parsed.get(0).annotation().decision(t).label()).isEqualTo("4");
    }
}
