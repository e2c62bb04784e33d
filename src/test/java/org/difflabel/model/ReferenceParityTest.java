package org.difflabel.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Stage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Java classifier reproduces the Python reference classifier (onnx-models/tools/
 * reference_classifier.py, run on the PyTorch weights): same request id and labels give the same
 * per-label, per-sample errors (relative 1e-4), the same probabilities and the same prediction,
 * from the PNG bytes onward (decoding, resizing, noise, timesteps, staging, posterior).
 */
class ReferenceParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"mnist-ddpm", "shapes-t2i"})
    void reproducesThePythonReference(String modelId) throws Exception {
        Path folder = Path.of("onnx-models", modelId);
        JsonNode cases = new ObjectMapper().readTree(folder.resolve("golden/reference_cases.json").toFile()).get("cases");
        assertThat(cases.size()).isGreaterThanOrEqualTo(3);
        try (LabelModel model = LabelModel.load(folder, ModelOptions.defaults().withBatchSize(64))) {
            for (JsonNode c : cases) {
                List<String> labels = strings(c.get("labels"));
                List<Stage> stages = new ArrayList<>();
                c.get("stages").forEach(s -> stages.add(new Stage(s.get(0).asInt(), s.get(1).asInt())));
                String template = c.get("promptTemplate").isNull() ? null : c.get("promptTemplate").asText();
                byte[] png = Files.readAllBytes(folder.resolve(c.get("image").asText()));
                Posterior p = model.classify(new LabelRequest(c.get("requestId").asText(), png, labels, template, stages, null));

                assertThat(Long.toUnsignedString(p.seed())).isEqualTo(c.get("seed").asText());
                for (String label : labels) {
                    LabelScore s = p.score(label);
                    JsonNode expected = c.get("errors").get(label);
                    assertThat(s.samples()).as("%s samples", label).isEqualTo(expected.size());
                    for (int j = 0; j < expected.size(); j++) {
                        double e = expected.get(j).asDouble();
                        assertThat(s.sampleErrors()[j]).as("%s / %s sample %d", c.get("image").asText(), label, j)
                                .isCloseTo(e, within(1e-4 * Math.abs(e)));
                    }
                    assertThat(s.probability()).as("p(%s)", label)
                            .isCloseTo(c.get("probabilities").get(label).asDouble(), within(1e-4));
                }
                assertThat(p.top().label()).isEqualTo(c.get("prediction").asText());
            }
        }
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
