package org.difflabel.classifier;

import org.difflabel.stats.SpecialFunctions;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Sequential paired elimination, the error-table replay and the per-request budget, over a fake
 * {@link NoisePredictor}: for x0 = 0 the prediction x_t / sqrt(1 - abar_t) + b_c + n(t, c) gives
 * label c the error (b_c + n(t, c))^2, where n is a deterministic per-(timestep, label) wobble.
 */
class SequentialEliminationTest {
    private static final int SIZE = 4;
    private static final double[] ABAR = FakePredictorClassifierTest.schedule();
    private static final List<String> LABELS = List.of("a", "b", "c", "d");
    private static final List<Condition> CONDITIONS = List.of(new Condition.ClassIndex(0), new Condition.ClassIndex(1),
            new Condition.ClassIndex(2), new Condition.ClassIndex(3));

    /** Label c is off by offsets[c] plus a wobble of size {@code noise}; records the timesteps it is asked for. */
    private static final class Wobbly implements NoisePredictor {
        final double[] offsets;
        final double noise;
        final int batch;
        final List<Long> timesteps = new ArrayList<>();
        long calls;

        Wobbly(double[] offsets, double noise, int batch) {
            this.offsets = offsets;
            this.noise = noise;
            this.batch = batch;
        }

        @Override
        public int[] sampleShape() {
            return new int[]{1, 1, SIZE};
        }

        @Override
        public int maxBatch() {
            return batch;
        }

        @Override
        public void predict(FloatBuffer samples, long[] ts, Condition[] conditions, int n, float[] out) {
            calls += n;
            for (int r = 0; r < n; r++) {
                timesteps.add(ts[r]);
                double sb = Math.sqrt(1 - ABAR[(int) ts[r]]);
                int c = (int) ((Condition.ClassIndex) conditions[r]).index();
                double wobble = noise * Math.sin(ts[r] * 12.9898 + c * 78.233);
                for (int p = 0; p < SIZE; p++) {
                    out[r * SIZE + p] = (float) (samples.get(r * SIZE + p) / sb + offsets[c] + wobble);
                }
            }
        }
    }


    private static Posterior classify(Wobbly predictor, String spec, TimestepWeights weights, Budget budget) {
        DiffusionClassifier c = new DiffusionClassifier(predictor, ABAR, 64);
        return c.classify(new float[SIZE], LABELS, CONDITIONS, new SamplingPlan(42, 1000), Schedule.parse(spec), weights,
                0.05, budget, DiffusionClassifier.Progress.NONE);
    }

    private static double sum(Posterior p) {
        return p.scores().stream().mapToDouble(LabelScore::probability).sum();
    }

    @Test
    void clearLosersAreDroppedAtTheFirstLook() {
        Wobbly w = new Wobbly(new double[]{0.1, 0.5, 0.6, 0.7}, 0.02, 64);
        Posterior p = classify(w, "sequential:block=4,min=8,max=64,level=0.01,weights=off", null, Budget.NONE);

        assertThat(p.top().label()).isEqualTo("a");
        assertThat(p.evaluations()).isEqualTo(4 * 8).isEqualTo(w.calls);
        assertThat(p.stages()).containsExactly(new Stage(8, 1));
        assertThat(p.scores()).allSatisfy(s -> assertThat(s.samples()).isEqualTo(8));
        assertThat(sum(p)).isCloseTo(1.0, within(1e-12));
        assertThat(p.budgetLimited()).isFalse();
        assertThat(p.plan()).isEqualTo("sequential:block=4,min=8,max=64,level=0.01,weights=off");
    }

    @Test
    void aCloseCallRunsToTheMaximumAndLosersLeaveWorstFirst() {
        // a and b are indistinguishable; c is a little worse, d clearly worse
        Wobbly w = new Wobbly(new double[]{0.30, 0.30, 0.33, 0.9}, 0.05, 64);
        Posterior p = classify(w, "sequential:block=4,min=8,max=32,level=0.01,weights=off", null, Budget.NONE);

        assertThat(p.score("a").samples()).isEqualTo(32);
        assertThat(p.score("b").samples()).isEqualTo(32);
        assertThat(p.score("d").samples()).isEqualTo(8);
        assertThat(p.score("d").samples()).isLessThanOrEqualTo(p.score("c").samples());
        assertThat(p.evaluations()).isLessThan(4 * 32).isEqualTo(w.calls);
        assertThat(p.stages().get(p.stages().size() - 1)).isEqualTo(new Stage(32, 1));
        assertThat(sum(p)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void theBonferroniBoundCountsComparisonsAndLooks() {
        Schedule.Sequential s = (Schedule.Sequential) Schedule.parse("sequential:block=8,min=8,max=64,level=0.0001");
        assertThat(s.looks()).isEqualTo(8); // 8, 16, ..., 64
        assertThat(s.familyWiseBound(10)).isCloseTo(0.0001 * 9 * 8, within(1e-15));
        assertThat(s.familyWiseBound(2000)).isEqualTo(1.0);
        assertThat(((Schedule.Sequential) Schedule.parse("sequential:block=3,min=4,max=10")).looks()).isEqualTo(3);
    }

    @Test
    void standardizingByTimestepScaleFindsDifferencesRawErrorsHide() {
        // b's excess error is the same multiple of each timestep's spread: raw differences mix
        // scales 1000x apart (a weak test), standardized ones are all alike (a strong one)
        SamplingPlan plan = new SamplingPlan(42, 1000);
        double[] scalesByRank = new double[16];
        for (int r = 0; r < 16; r++) {
            scalesByRank[r] = Math.pow(10, -3.0 * r / 15);
        }
        double[] scale = new TimestepWeights(16, ones(16), scalesByRank).scalesBySample(plan);
        double[][] table = new double[2][16];
        for (int j = 0; j < 16; j++) {
            double wobble = 0.3 * Math.sin(j * 1.7);
            table[0][j] = scale[j] * (1 + wobble);
            table[1][j] = scale[j] * (1.8 + wobble + 0.2 * Math.cos(j * 2.3));
        }
        List<String> two = List.of("a", "b");
        Schedule s = Schedule.parse("sequential:block=2,min=4,max=16,level=0.001,weights=off");
        Posterior standardized = DiffusionClassifier.replay(table, two, plan, s, new TimestepWeights(16, ones(16),
                scalesByRank), 0.05, Budget.NONE);
        Posterior raw = DiffusionClassifier.replay(table, two, plan, s, null, 0.05, Budget.NONE);
        assertThat(standardized.top().label()).isEqualTo("a");
        assertThat(standardized.evaluations()).isLessThan(raw.evaluations());
        assertThat(standardized.evaluations()).isEqualTo(2 * 4);
    }

    private static double[] ones(int n) {
        double[] o = new double[n];
        java.util.Arrays.fill(o, 1.0);
        return o;
    }

    @Test
    void replayingTheErrorTableGivesTheLiveAnswer() {
        double[] offsets = {0.30, 0.31, 0.4, 0.9};
        String spec = "sequential:block=2,min=4,max=32,level=0.05,weights=off";
        Posterior live = classify(new Wobbly(offsets, 0.08, 64), spec, null, Budget.NONE);
        Posterior flat = classify(new Wobbly(offsets, 0.08, 64), "32", null, Budget.NONE);
        double[][] table = new double[4][];
        for (int i = 0; i < 4; i++) {
            table[i] = flat.score(LABELS.get(i)).sampleErrors();
        }
        Posterior replayed = DiffusionClassifier.replay(table, LABELS, new SamplingPlan(42, 1000), Schedule.parse(spec), null,
                0.05, Budget.NONE);

        assertThat(replayed.evaluations()).isEqualTo(live.evaluations());
        assertThat(replayed.stages()).isEqualTo(live.stages());
        for (String label : LABELS) {
            assertThat(replayed.score(label).probability()).isEqualTo(live.score(label).probability());
            assertThat(replayed.score(label).samples()).isEqualTo(live.score(label).samples());
        }
        // and the staged plan replays too
        Posterior stagedLive = classify(new Wobbly(offsets, 0.08, 64), "8:2,32:1", null, Budget.NONE);
        Posterior stagedReplay = DiffusionClassifier.replay(table, LABELS, new SamplingPlan(42, 1000), Schedule.parse("8:2,32:1"),
                null, 0.05, Budget.NONE);
        assertThat(stagedReplay.score("a").probability()).isEqualTo(stagedLive.score("a").probability());
        assertThat(stagedReplay.evaluations()).isEqualTo(stagedLive.evaluations());
    }

    @Test
    void theAnswerDoesNotDependOnTheBatchSize() {
        double[] offsets = {0.30, 0.31, 0.4, 0.9};
        String spec = "sequential:block=2,min=4,max=32,level=0.05,weights=off";
        Posterior small = classify(new Wobbly(offsets, 0.08, 3), spec, null, Budget.NONE);
        Posterior large = classify(new Wobbly(offsets, 0.08, 64), spec, null, Budget.NONE);
        for (String label : LABELS) {
            assertThat(small.score(label).probability()).isEqualTo(large.score(label).probability());
        }
        assertThat(small.evaluations()).isEqualTo(large.evaluations());
    }

    @Test
    void weightsOrderTheVisitsAndLeaveZeroWeightTimestepsOut() {
        // a grid of 8: weight only on the three smallest timesteps, the smallest weighted most
        double[] w = {3, 2, 1, 0, 0, 0, 0, 0};
        TimestepWeights weights = new TimestepWeights(8, w, ones(8));
        Wobbly pred = new Wobbly(new double[]{0.30, 0.30, 0.33, 0.9}, 0.05, 64);
        Posterior p = classify(pred, "sequential:block=1,min=2,max=8,level=0.01,weights=on", weights, Budget.NONE);

        SamplingPlan plan = new SamplingPlan(42, 1000);
        List<Integer> grid = new ArrayList<>();
        for (int j = 0; j < 8; j++) {
            grid.add(plan.timestep(j));
        }
        List<Integer> sorted = grid.stream().sorted().toList();
        // first the smallest timestep for every label, then the second smallest, ...
        assertThat(pred.timesteps.get(0)).isEqualTo((long) sorted.get(0));
        assertThat(pred.timesteps).allSatisfy(t -> assertThat(sorted.subList(0, 3)).contains(t.intValue()));
        assertThat(p.score("a").samples()).isEqualTo(3);
        assertThat(p.sampleWeights()).containsExactly(3, 2, 1);
        // the weighted mean: (3 e0 + 2 e1 + e2) / 6
        double[] e = p.score("a").sampleErrors();
        assertThat(p.score("a").meanError()).isCloseTo((3 * e[0] + 2 * e[1] + e[2]) / 6, within(1e-15));
        assertThatThrownBy(() -> classify(pred, "sequential:max=16,weights=on", weights, Budget.NONE))
                .hasMessageContaining("beyond the model's timestep weight grid");
    }

    @Test
    void aBudgetStopsTheRequestAndSaysSo() {
        Wobbly w = new Wobbly(new double[]{0.30, 0.30, 0.33, 0.9}, 0.05, 64);
        Posterior p = classify(w, "16:3,64:1", null, new Budget(100, null));

        assertThat(p.budgetLimited()).isTrue();
        assertThat(p.evaluations()).isLessThanOrEqualTo(100).isEqualTo(w.calls);
        assertThat(sum(p)).isCloseTo(1.0, within(1e-12));
        // the same request without a budget spends its plan
        Posterior full = classify(new Wobbly(new double[]{0.30, 0.30, 0.33, 0.9}, 0.05, 64), "16:3,64:1", null, Budget.NONE);
        assertThat(full.budgetLimited()).isFalse();
        assertThat(full.evaluations()).isEqualTo(DiffusionClassifier.plannedEvaluations(4, Stage.parse("16:3,64:1")));
        // a budget below one sample per label still gives every label one sample
        Posterior tiny = classify(new Wobbly(new double[]{0.30, 0.30, 0.33, 0.9}, 0.05, 64), "16:3,64:1", null,
                new Budget(2, null));
        assertThat(tiny.evaluations()).isEqualTo(4);
        assertThat(tiny.budgetLimited()).isTrue();
        // a latency budget that has passed stops after the first step
        Posterior late = classify(new Wobbly(new double[]{0.30, 0.30, 0.33, 0.9}, 0.05, 64),
                "sequential:block=4,min=8,max=64,level=0.01,weights=off", null, new Budget(0, Duration.ofNanos(1)));
        assertThat(late.budgetLimited()).isTrue();
        assertThat(late.evaluations()).isEqualTo(4 * 8);
    }

    @Test
    void specsParseAndRoundTrip() {
        Schedule s = Schedule.parse("sequential:block=2,min=6,max=48,level=0.001,weights=off");
        assertThat(s).isEqualTo(new Schedule.Sequential(2, 6, 48, 0.001, false));
        assertThat(Schedule.parse(s.spec())).isEqualTo(s);
        assertThat(Schedule.parse("sequential")).isEqualTo(Schedule.Sequential.DEFAULT);
        assertThat(Schedule.parse("sequential:level=0.05", new Schedule.Sequential(4, 4, 32, 0.01, true)))
                .isEqualTo(new Schedule.Sequential(4, 4, 32, 0.05, true));
        assertThat(Schedule.parse("16:3,64:1")).isEqualTo(new Schedule.Staged(Stage.parse("16:3,64:1")));
        assertThat(Schedule.parse("16:3,64:1").spec()).isEqualTo("16:3,64:1");
        assertThatThrownBy(() -> Schedule.parse("sequential:blok=2")).hasMessageContaining("unknown sequential setting 'blok'");
        assertThatThrownBy(() -> Schedule.parse("sequential:min=1")).hasMessageContaining("min must be >= 2");
        assertThatThrownBy(() -> Schedule.parse("sequential:min=16,max=8")).hasMessageContaining("must be >= min");
        assertThatThrownBy(() -> Schedule.parse("sequential:level=2")).hasMessageContaining("level must be in (0, 1)");
        assertThatThrownBy(() -> Schedule.parse("sequential:weights=maybe")).hasMessageContaining("on or off");
    }

    @Test
    void studentTTailMatchesScipy() {
        // scipy.stats.t.sf(t, df)
        assertThat(SpecialFunctions.studentTUpperTail(2.0, 5)).isCloseTo(0.05096973941492914, within(1e-13));
        assertThat(SpecialFunctions.studentTUpperTail(3.0, 10)).isCloseTo(0.006671827511284783, within(1e-13));
        assertThat(SpecialFunctions.studentTUpperTail(-1.5, 3)).isCloseTo(0.8847080673775886, within(1e-13));
        assertThat(SpecialFunctions.studentTUpperTail(6.0, 7)).isCloseTo(0.0002711291710014048, within(1e-15));
        assertThat(SpecialFunctions.studentTUpperTail(0.0, 4)).isCloseTo(0.5, within(1e-15));
        assertThat(SpecialFunctions.studentTUpperTail(12.0, 63) / 3.173983771839537e-18).isCloseTo(1.0, within(1e-9));
        assertThat(SpecialFunctions.studentTUpperTail(Double.POSITIVE_INFINITY, 3)).isZero();
    }
}
