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
 * The Java classifier on all 2,000 held-out MNIST digits reaches the model card's accuracy at the
 * same K (within 0.5 points). Request ids are the images' paths under heldout/, as in the Python
 * evaluation, so both draw the same noise.
 */
class MnistAccuracyTest {
    private static final Path MODEL = Path.of("onnx-models/mnist-ddpm");
    private static final int K = 8;

    @Test
    void matchesTheModelCardOnTheHeldOutSplit() throws Exception {
        JsonNode card = new ObjectMapper().readTree(MODEL.resolve("evaluation.json").toFile());
        double expected = -1;
        for (JsonNode row : card.get("table")) {
            if (row.get("K").asInt() == K) {
                expected = row.get("accuracy").asDouble();
            }
        }
        assertThat(expected).as("model card has K=%d", K).isPositive();

        List<Path> images;
        try (Stream<Path> s = Files.walk(MODEL.resolve("heldout"))) {
            images = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertThat(images).hasSize(2000);
        List<String> digits = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        int cores = Runtime.getRuntime().availableProcessors();
        try (LabelModel m = LabelModel.load(MODEL, ModelOptions.defaults().withIntraOpThreads(1).withBatchSize(80))) {
            ExecutorService pool = Executors.newFixedThreadPool(cores);
            List<Future<Boolean>> correct = new ArrayList<>();
            for (Path p : images) {
                String truth = p.getParent().getFileName().toString();
                String id = truth + "/" + p.getFileName();
                correct.add(pool.submit(() -> {
                    Posterior post = m.classify(new LabelRequest(id, Files.readAllBytes(p), digits, null,
                            List.of(new Stage(K, 1)), null));
                    return post.top().label().equals(truth);
                }));
            }
            int right = 0;
            for (Future<Boolean> f : correct) {
                right += f.get() ? 1 : 0;
            }
            pool.shutdown();
            assertThat(right / 2000.0).isCloseTo(expected, within(0.005));
        }
    }
}
