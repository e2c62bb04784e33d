package org.difflabel.calibration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The fit recovers the temperature that generated the labels, and never worsens the NLL it minimises. */
class TemperatureFitTest {

    @Test
    void recoversTheGeneratingTemperature() {
        double trueT = 0.0008;
        Random rnd = new Random(11);
        List<CalibrationItem> items = new ArrayList<>();
        for (int n = 0; n < 20_000; n++) {
            double[] err = new double[4];
            for (int i = 0; i < err.length; i++) {
                err[i] = 0.03 + 0.003 * rnd.nextGaussian();
            }
            double[] p = StagedSoftmaxTest.softmax(err, trueT);
            double u = rnd.nextDouble();
            int truth = 0;
            for (double acc = p[0]; acc < u && truth < p.length - 1; acc += p[++truth]) {
                // sample the label from the generating posterior
            }
            double[] recorded = StagedSoftmaxTest.softmax(err, 0.01); // recorded at a wrong temperature
            List<LabelResult> ls = new ArrayList<>();
            for (int i = 0; i < err.length; i++) {
                ls.add(new LabelResult("l" + i, recorded[i], err[i], 64));
            }
            items.add(new CalibrationItem(new ScoredResult("e" + n, ls, 0.01), "l" + truth, 1));
        }
        double t = TemperatureFit.fit(items, 0.01);
        // 20,000 draws: the MLE's relative standard error is ~1 % here; 5 % is a wide margin
        assertThat(t / trueT).isBetween(0.95, 1.05);
        assertThat(Metrics.nll(items, t)).isLessThan(Metrics.nll(items, 0.01));
        assertThat(Metrics.nll(items, t)).isLessThanOrEqualTo(Metrics.nll(items, t * 1.01));
        assertThat(Metrics.nll(items, t)).isLessThanOrEqualTo(Metrics.nll(items, t / 1.01));
    }
}
