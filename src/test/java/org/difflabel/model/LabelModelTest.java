package org.difflabel.model;

import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.ClassificationException.Code;
import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Requests against the shipped models: posterior invariants, reproducibility and refusals. */
class LabelModelTest {
    private static final Path MNIST = Path.of("onnx-models/mnist-ddpm");
    private static final Path SHAPES = Path.of("onnx-models/shapes-t2i");
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static LabelModel mnist;
    private static LabelModel shapes;
    private static byte[] digit;
    private static byte[] scene;

    @BeforeAll
    static void load() throws Exception {
        mnist = LabelModel.load(MNIST, ModelOptions.defaults().withBatchSize(128));
        shapes = LabelModel.load(SHAPES, ModelOptions.defaults().withBatchSize(128));
        try (var files = Files.list(MNIST.resolve("samples"))) {
            digit = Files.readAllBytes(files.sorted().findFirst().orElseThrow());
        }
        try (var files = Files.list(SHAPES.resolve("samples"))) {
            scene = Files.readAllBytes(files.sorted().findFirst().orElseThrow());
        }
    }

    @AfterAll
    static void close() {
        mnist.close();
        shapes.close();
    }

    @Test
    void posteriorIsADistributionWithConsistentSummaries() {
        Posterior p = mnist.classify(new LabelRequest("inv-1", digit, DIGITS, null, Stage.parse("8:4,24:1"), null));
        assertThat(p.scores().stream().mapToDouble(LabelScore::probability).sum()).isCloseTo(1.0, within(1e-12));
        assertThat(p.confidence()).isEqualTo(p.scores().get(0).probability());
        assertThat(p.margin()).isCloseTo(p.scores().get(0).probability() - p.scores().get(1).probability(), within(1e-15));
        assertThat(p.entropy()).isBetween(0.0, Math.log(10));
        // 10 labels x 8 samples, then the 4 kept labels x 16 more samples
        assertThat(p.evaluations()).isEqualTo(10 * 8 + 4 * 16);
        assertThat(p.scores().stream().filter(s -> s.samples() == 24).count()).isEqualTo(4);
        assertThat(p.scores().stream().filter(s -> s.samples() == 8).count()).isEqualTo(6);
    }

    @Test
    void eliminatedLabelsNeverOutrankSurvivors() {
        Posterior p = mnist.classify(new LabelRequest("inv-2", digit, DIGITS, null, Stage.parse("8:3,32:1"), null));
        double minSurvivor = p.scores().stream().filter(s -> s.samples() == 32).mapToDouble(LabelScore::probability).min()
                .orElseThrow();
        double maxEliminated = p.scores().stream().filter(s -> s.samples() == 8).mapToDouble(LabelScore::probability).max()
                .orElseThrow();
        assertThat(p.top().samples()).isEqualTo(32);
        assertThat(maxEliminated).isLessThanOrEqualTo(p.top().probability());
        assertThat(minSurvivor).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8:4,32:1", "sequential:block=2,min=4,max=32,level=0.05"})
    void sameRequestIdGivesBitIdenticalPosteriorsAcrossRunsAndThreads(String plan) throws Exception {
        LabelRequest r = new LabelRequest("replay-7", digit, DIGITS, null, org.difflabel.classifier.Schedule.parse(plan), null,
                null);
        Posterior first = mnist.classify(r);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Posterior>> runs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            runs.add(pool.submit(() -> mnist.classify(r)));
        }
        try (LabelModel oneThread = LabelModel.load(MNIST, ModelOptions.defaults().withIntraOpThreads(1).withBatchSize(37))) {
            runs.add(java.util.concurrent.CompletableFuture.completedFuture(oneThread.classify(r)));
        }
        for (Future<Posterior> f : runs) {
            Posterior p = f.get();
            for (LabelScore s : first.scores()) {
                LabelScore o = p.score(s.label());
                assertThat(Double.doubleToRawLongBits(o.probability())).as(s.label())
                        .isEqualTo(Double.doubleToRawLongBits(s.probability()));
                assertThat(o.sampleErrors()).containsExactly(s.sampleErrors());
            }
            assertThat(p.evaluations()).isEqualTo(first.evaluations());
            assertThat(p.stages()).isEqualTo(first.stages());
        }
        pool.shutdown();
    }

    @Test
    void differentRequestIdsDrawDifferentNoise() {
        Posterior a = mnist.classify(new LabelRequest("a", digit, DIGITS, null, Stage.parse("4"), null));
        Posterior b = mnist.classify(new LabelRequest("b", digit, DIGITS, null, Stage.parse("4"), null));
        assertThat(a.seed()).isNotEqualTo(b.seed());
        assertThat(a.score("3").sampleErrors()).isNotEqualTo(b.score("3").sampleErrors());
    }

    @Test
    void textModelCachesEachPromptOnce() {
        List<String> labels = List.of("red circle", "blue square", "cyan cross");
        shapes.classify(new LabelRequest("t-1", scene, labels, null, Stage.parse("2"), null));
        long misses = shapes.embeddings().misses();
        shapes.classify(new LabelRequest("t-2", scene, labels, null, Stage.parse("2"), null));
        assertThat(shapes.embeddings().misses()).isEqualTo(misses);
        shapes.classify(new LabelRequest("t-3", scene, labels, "a big {label}", Stage.parse("2"), null));
        assertThat(shapes.embeddings().misses()).isEqualTo(misses + 3);
    }

    @Test
    void refusesEmptyVocabulary() {
        assertRefused(mnist, List.of(), null, Code.EMPTY_VOCABULARY);
    }

    @Test
    void refusesDuplicateLabels() {
        assertRefused(mnist, List.of("3", "5", "3"), null, Code.DUPLICATE_LABEL);
    }

    @Test
    void refusesUnknownClassLabelByName() {
        assertThatThrownBy(() -> mnist.classify(LabelRequest.of("x", digit, List.of("3", "seven"))))
                .isInstanceOf(ClassificationException.class)
                .hasMessageContaining("'seven'")
                .satisfies(e -> assertThat(((ClassificationException) e).code()).isEqualTo(Code.UNKNOWN_LABEL));
    }

    @Test
    void refusesOverLongPrompt() {
        assertRefused(shapes, List.of("red circle", "red circle left of a blue square and more"), null, Code.BAD_PROMPT);
    }

    @Test
    void refusesPromptWithUnknownWord() {
        assertRefused(shapes, List.of("red circle", "purple circle"), null, Code.BAD_PROMPT);
    }

    @Test
    void refusesTemplateWithoutLabelPlaceholder() {
        assertRefused(shapes, List.of("red circle", "blue circle"), "a shape", Code.BAD_PROMPT);
    }

    @Test
    void refusesTooLargeVocabulary() {
        try (LabelModel small = LabelModel.load(MNIST, new ModelOptions(1, 64, 16, ImageLimits.DEFAULT, 3, ExecutionProvider.CPU, 0, Fp16.AUTO))) {
            assertRefused(small, List.of("1", "2", "3", "4"), null, Code.VOCABULARY_TOO_LARGE);
        }
    }

    private static void assertRefused(LabelModel m, List<String> labels, String template, Code code) {
        byte[] img = m == shapes ? scene : digit;
        assertThatThrownBy(() -> m.classify(new LabelRequest("r", img, labels, template, null, null)))
                .isInstanceOf(ClassificationException.class)
                .satisfies(e -> assertThat(((ClassificationException) e).code()).isEqualTo(code));
    }
}
