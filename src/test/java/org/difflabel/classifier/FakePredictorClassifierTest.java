package org.difflabel.classifier;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The method alone, over a fake {@link NoisePredictor} whose errors are known in closed form: for
 * the image x0 = 0, x_t = sqrt(1 - abar_t) eps, so predicting x_t / sqrt(1 - abar_t) + b_c gives
 * label c the error b_c^2 on every sample. Elimination, the staged posterior and priors can then be
 * checked exactly, with no model and no ONNX Runtime.
 */
class FakePredictorClassifierTest {
    private static final int SIZE = 4;
    private static final double[] ABAR = schedule();

    /** Label c's prediction is off by {@code offsets[c]} everywhere. */
    private record Offsets(double[] offsets, int[] calls) implements NoisePredictor {
        @Override
        public int[] sampleShape() {
            return new int[]{1, 1, SIZE};
        }

        @Override
        public int maxBatch() {
            return 3; // small: stages must span several batches
        }

        @Override
        public void predict(FloatBuffer samples, long[] timesteps, Condition[] conditions, int n, float[] out) {
            calls[0] += n;
            for (int r = 0; r < n; r++) {
                double sb = Math.sqrt(1 - ABAR[(int) timesteps[r]]);
                int c = (int) ((Condition.ClassIndex) conditions[r]).index();
                for (int p = 0; p < SIZE; p++) {
                    out[r * SIZE + p] = (float) (samples.get(r * SIZE + p) / sb + offsets[c]);
                }
            }
        }
    }

    /** A linear-beta DDPM schedule of 1,000 steps. */
    static double[] schedule() {
        double[] a = new double[1000];
        double prod = 1;
        for (int t = 0; t < 1000; t++) {
            prod *= 1 - (1e-4 + (0.02 - 1e-4) * t / 999.0);
            a[t] = prod;
        }
        return a;
    }

    private static Posterior classify(double[] offsets, String stages, double temperature, int[] calls) {
        List<String> labels = List.of("a", "b", "c", "d");
        List<Condition> conditions = List.of(new Condition.ClassIndex(0), new Condition.ClassIndex(1),
                new Condition.ClassIndex(2), new Condition.ClassIndex(3));
        DiffusionClassifier c = new DiffusionClassifier(new Offsets(offsets, calls), ABAR, 64);
        return c.classify(new float[SIZE], labels, conditions, new SamplingPlan(42, 1000), Stage.parse(stages),
                temperature, DiffusionClassifier.Progress.NONE);
    }

    @Test
    void aFlatScheduleGivesSoftmaxOfMinusTheErrors() {
        double[] b = {0.1, 0.2, 0.3, 0.4};
        Posterior p = classify(b, "4", 0.05, new int[1]);
        double[] err = Arrays.stream(b).map(x -> x * x).toArray();
        double z = Arrays.stream(err).map(e -> Math.exp(-e / 0.05)).sum();
        assertThat(p.top().label()).isEqualTo("a");
        for (int i = 0; i < 4; i++) {
            LabelScore s = p.score(List.of("a", "b", "c", "d").get(i));
            assertThat(s.meanError()).isCloseTo(err[i], within(1e-5));
            assertThat(s.probability()).isCloseTo(Math.exp(-err[i] / 0.05) / z, within(1e-4));
            assertThat(s.samples()).isEqualTo(4);
        }
        assertThat(p.evaluations()).isEqualTo(16);
    }

    @Test
    void stagesEliminateTheWorstLabelsAndGiveThemTheirShareOfTheMassInPlay() {
        double[] b = {0.3, 0.1, 0.4, 0.2};
        int[] calls = new int[1];
        Posterior p = classify(b, "2:2,6:1", 0.05, calls);
        // stage 1: all 4 labels x 2 samples; stage 2: the best 2 (b, d) x 4 more samples
        assertThat(p.evaluations()).isEqualTo(4 * 2 + 2 * 4).isEqualTo(calls[0]);
        assertThat(p.score("a").samples()).isEqualTo(2);
        assertThat(p.score("c").samples()).isEqualTo(2);
        assertThat(p.score("b").samples()).isEqualTo(6);
        assertThat(p.score("d").samples()).isEqualTo(6);
        double[] q = softmax(new double[]{0.09, 0.01, 0.16, 0.04}, 0.05);
        // eliminated at stage 1: their stage-1 share; b and d split the rest by their stage-2 softmax
        assertThat(p.score("a").probability()).isCloseTo(q[0], within(1e-4));
        assertThat(p.score("c").probability()).isCloseTo(q[2], within(1e-4));
        double[] q2 = softmax(new double[]{0.01, 0.04}, 0.05);
        double rest = q[1] + q[3];
        assertThat(p.score("b").probability()).isCloseTo(rest * q2[0], within(1e-4));
        assertThat(p.score("d").probability()).isCloseTo(rest * q2[1], within(1e-4));
        assertThat(p.scores().stream().mapToDouble(LabelScore::probability).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(p.top().label()).isEqualTo("b");
    }

    @Test
    void priorsReweightThePosteriorAndBadOnesAreRefusedWithTheirCode() {
        Posterior p = classify(new double[]{0.1, 0.1, 0.3, 0.3}, "4", 0.05, new int[1]);
        assertThat(p.score("a").probability()).isCloseTo(p.score("b").probability(), within(1e-9));
        Posterior weighted = p.withPriors(Map.of("a", 3.0));
        assertThat(weighted.score("a").probability() / weighted.score("b").probability()).isCloseTo(3.0, within(1e-6));
        assertThat(weighted.top().label()).isEqualTo("a");
        assertThat(p.withPriors(null)).isSameAs(p);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.withPriors(Map.of("a", -1.0)))
                .isInstanceOfSatisfying(ClassificationException.class,
                        e -> assertThat(e.code()).isEqualTo(ClassificationException.Code.BAD_PRIORS));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.withPriors(Map.of("a", 0.0, "b", 0.0, "c", 0.0,
                "d", 0.0))).isInstanceOf(ClassificationException.class).hasMessageContaining("no probability mass");
    }

    private static double[] softmax(double[] err, double t) {
        double z = Arrays.stream(err).map(e -> Math.exp(-e / t)).sum();
        return Arrays.stream(err).map(e -> Math.exp(-e / t) / z).toArray();
    }
}
