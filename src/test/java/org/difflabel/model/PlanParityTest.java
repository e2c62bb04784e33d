package org.difflabel.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Schedule;
import org.difflabel.classifier.Stage;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Java sequential plan reproduces the Python reference's (reference_classifier.classify_sequential,
 * written from the plan's description, on the PyTorch weights; golden/plan_cases.json from
 * plan_golden.py): with the model's timestep weights and scales, the same samples are visited,
 * the same labels are dropped at the same steps, and the errors and probabilities agree.
 */
class PlanParityTest {
    private static final Path MODEL = Path.of("onnx-models/mnist-ddpm");

    @Test
    void theSequentialPlanReproducesThePythonReference() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(MODEL.resolve("golden/plan_cases.json").toFile()).get("cases");
        assertThat(cases.size()).isGreaterThanOrEqualTo(4);
        int earlyStops = 0;
        try (LabelModel model = LabelModel.load(MODEL, ModelOptions.defaults().withBatchSize(64))) {
            for (JsonNode c : cases) {
                List<String> labels = ReferenceParityTest.strings(c.get("labels"));
                byte[] png = Files.readAllBytes(MODEL.resolve(c.get("image").asText()));
                Schedule plan = Schedule.parse(c.get("plan").asText());
                Posterior p = model.classify(new LabelRequest(c.get("requestId").asText(), png, labels, null, plan,
                        c.get("temperature").asDouble(), null));
                String at = c.get("image").asText() + " " + c.get("plan").asText();

                assertThat(Long.toUnsignedString(p.seed())).isEqualTo(c.get("seed").asText());
                List<Stage> steps = new ArrayList<>();
                c.get("steps").forEach(s -> steps.add(new Stage(s.get(0).asInt(), s.get(1).asInt())));
                assertThat(p.stages()).as("steps of %s", at).isEqualTo(steps);
                for (String label : labels) {
                    LabelScore s = p.score(label);
                    JsonNode expected = c.get("errors").get(label);
                    assertThat(s.samples()).as("%s: samples of %s", at, label).isEqualTo(expected.size());
                    for (int j = 0; j < expected.size(); j++) {
                        double e = expected.get(j).asDouble();
                        assertThat(s.sampleErrors()[j]).as("%s: %s sample %d", at, label, j)
                                .isCloseTo(e, within(1e-4 * Math.abs(e)));
                    }
                    assertThat(s.probability()).as("%s: p(%s)", at, label)
                            .isCloseTo(c.get("probabilities").get(label).asDouble(), within(1e-4));
                }
                assertThat(p.top().label()).isEqualTo(c.get("prediction").asText());
                int max = ((Schedule.Sequential) plan).maxSamples();
                earlyStops += p.scores().stream().allMatch(s -> s.samples() < max) ? 1 : 0;
            }
        }
        // the cases exercise elimination, not just the full budget
        assertThat(earlyStops).isPositive();
    }
}
