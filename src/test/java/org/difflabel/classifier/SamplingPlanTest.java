package org.difflabel.classifier;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SamplingPlanTest {
    private final SamplingPlan plan = new SamplingPlan(42, 1000);

    @Test
    void powerOfTwoPrefixesAreEvenNestedGrids() {
        for (int k = 1; k <= 256; k *= 2) {
            TreeSet<Integer> grid = prefix(k);
            assertThat(grid).hasSize(k);
            List<Integer> sorted = new ArrayList<>(grid);
            for (int i = 1; i < sorted.size(); i++) {
                assertThat((double) sorted.get(i) - sorted.get(i - 1)).isCloseTo(999.0 / k, within(1.0));
            }
            if (k > 1) {
                assertThat(grid).containsAll(prefix(k / 2));
            }
        }
    }

    @Test
    void timestepsStayInsideTheSchedule() {
        for (int j = 0; j < 4096; j++) {
            assertThat(plan.timestep(j)).isBetween(1, 999);
        }
    }

    @Test
    void aTimestepRangeMovesTheSameNestedGridIntoIt() {
        // the same values as onnx-models/tools/common.py plan_timesteps(8, t_range=(50, 650)) and plan_timesteps(8)
        SamplingPlan ranged = new SamplingPlan(42, 50, 650);
        int[] expected = {200, 500, 350, 50, 275, 575, 425, 125};
        int[] full = {250, 750, 500, 1, 375, 875, 625, 125};
        for (int j = 0; j < 8; j++) {
            assertThat(ranged.timestep(j)).isEqualTo(expected[j]);
            assertThat(plan.timestep(j)).isEqualTo(full[j]);
        }
        for (int j = 0; j < 4096; j++) {
            assertThat(ranged.timestep(j)).isBetween(50, 649);
        }
    }

    @Test
    void anEmptyRangeIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SamplingPlan(1, 600, 600))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[600, 600)");
    }

    @Test
    void noiseIsStandardNormalAndDependsOnlyOnSeedAndSample() {
        float[] a = new float[20001];
        plan.noise(3, a, a.length);
        float[] b = new float[20001];
        new SamplingPlan(42, 1000).noise(3, b, b.length);
        assertThat(b).containsExactly(a);
        double mean = 0;
        double sq = 0;
        for (float v : a) {
            mean += v;
            sq += v * v;
        }
        mean /= a.length;
        assertThat(mean).isCloseTo(0, within(0.03));
        assertThat(sq / a.length - mean * mean).isCloseTo(1, within(0.03));
        float[] c = new float[20001];
        plan.noise(4, c, c.length);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void seedDependsOnRequestIdAndModelVersion() {
        assertThat(NoiseGenerator.requestSeed("e1", "1.0.0")).isEqualTo(NoiseGenerator.requestSeed("e1", "1.0.0"))
                .isNotEqualTo(NoiseGenerator.requestSeed("e1", "1.0.1"))
                .isNotEqualTo(NoiseGenerator.requestSeed("e2", "1.0.0"));
    }

    private TreeSet<Integer> prefix(int k) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int j = 0; j < k; j++) {
            s.add(plan.timestep(j));
        }
        return s;
    }
}
