package org.difflabel.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Stage;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Java classifier on shapes-t2i's 80 held-out-composition scenes (colour-shape pairs never in a
 * training image or caption; PNGs in evaluation/, files 0160-0239) reaches the model card's figure
 * at the card's K, through the product path (PNG decoding, the manifest's prompt template,
 * tokenizer, text encoder and timestep range). Request ids are the Python evaluation's
 * ("heldout-n"), so both draw the same noise: the figures agree to a scene.
 */
class ShapesHeldOutAccuracyTest {
    private static final Path MODEL = Path.of("onnx-models/shapes-t2i");

    @Test
    void matchesTheModelCardOnHeldOutCompositions() throws Exception {
        JsonNode card = new ObjectMapper().readTree(MODEL.resolve("evaluation.json").toFile());
        int k = card.get("K").asInt();
        double expected = -1;
        for (JsonNode row : card.get("render1").get("single")) {
            if (row.get("K").asInt() == k) {
                expected = row.get("heldout").asDouble();
            }
        }
        assertThat(expected).as("model card has K=%d", k).isPositive();

        List<Path> images;
        try (Stream<Path> s = Files.walk(MODEL.resolve("evaluation"))) {
            images = s.filter(p -> p.toString().endsWith(".png"))
                    .filter(p -> Integer.parseInt(p.getFileName().toString().replace(".png", "")) >= 160)
                    .sorted((a, b) -> a.getFileName().compareTo(b.getFileName())).toList();
        }
        assertThat(images).hasSize(80);
        List<String> labels;
        try (Stream<Path> s = Files.list(MODEL.resolve("evaluation"))) {
            labels = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(labels).hasSize(24);
        int cores = Runtime.getRuntime().availableProcessors();
        try (LabelModel m = LabelModel.load(MODEL, ModelOptions.defaults().withIntraOpThreads(1).withBatchSize(96))) {
            ExecutorService pool = Executors.newFixedThreadPool(cores);
            List<Future<Boolean>> correct = new ArrayList<>();
            for (Path p : images) {
                String truth = p.getParent().getFileName().toString();
                int n = Integer.parseInt(p.getFileName().toString().replace(".png", "")) - 160;
                correct.add(pool.submit(() -> {
                    Posterior post = m.classify(new LabelRequest("heldout-" + n, Files.readAllBytes(p), labels, null,
                            List.of(new Stage(k, 1)), null));
                    return post.top().label().equals(truth);
                }));
            }
            int right = 0;
            for (Future<Boolean> f : correct) {
                right += f.get() ? 1 : 0;
            }
            pool.shutdown();
            assertThat(right / 80.0).isCloseTo(expected, within(1.0 / 80 + 1e-9));
        }
    }
}
