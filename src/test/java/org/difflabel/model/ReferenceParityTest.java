package org.difflabel.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Stage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Java classifier reproduces the Python reference classifier (onnx-models/tools/
 * reference_classifier.py, run on the PyTorch weights): same request id and labels give the same
 * per-label, per-sample errors (relative 1e-4), the same probabilities and the same prediction,
 * from the PNG bytes onward (decoding, resizing, VAE encoding, tokenizing, noise, timesteps,
 * staging, posterior), for the shipped models and for the SD-/DiT-layout stand-ins.
 */
class ReferenceParityTest {

    /** Every model folder with reference cases: the shipped models and the real-checkpoint stand-ins. */
    static Stream<Path> modelsWithReferenceCases() throws IOException {
        List<Path> out = new ArrayList<>(List.of(Path.of("onnx-models/mnist-ddpm"), Path.of("onnx-models/mnist-ddpm-1.1.0"),
                Path.of("onnx-models/shapes-t2i"), Path.of("onnx-models/shapes-t2i-1.0.0")));
        Path standins = Path.of("onnx-models/standins");
        if (Files.isDirectory(standins)) {
            try (Stream<Path> s = Files.list(standins)) {
                s.filter(p -> Files.isRegularFile(p.resolve("golden/reference_cases.json"))).sorted().forEach(out::add);
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("modelsWithReferenceCases")
    void reproducesThePythonReference(Path folder) throws Exception {
        JsonNode golden = new ObjectMapper().readTree(folder.resolve("golden/reference_cases.json").toFile());
        JsonNode cases = golden.get("cases");
        // fp16 networks are compared with a float32 reference on fp16-rounded weights: the file says how close
        double tolerance = golden.has("tolerance") ? golden.get("tolerance").asDouble() : 1e-4;
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
                                .isCloseTo(e, within(tolerance * Math.abs(e)));
                    }
                    assertThat(s.probability()).as("p(%s)", label)
                            .isCloseTo(c.get("probabilities").get(label).asDouble(), within(Math.max(1e-4, tolerance)));
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
