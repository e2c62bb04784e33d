package org.difflabel.calibration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Learn-then-Test on synthetic results whose confidences and errors are set by construction. */
class RiskControlTest {

    /** A two-label result with confidence c on label "a" (single stage, so exact at any T). */
    static ScoredResult result(String id, double c) {
        double t = 0.001;
        double gap = t * Math.log(c / (1 - c)); // softmax(-err/t) gives c to the label with lower error
        return new ScoredResult(id, List.of(new LabelResult("a", c, 0.03, 64), new LabelResult("b", 1 - c, 0.03 + gap, 64)),
                t);
    }

    static List<CalibrationItem> items(int n, double confidence, int wrong) {
        List<CalibrationItem> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new CalibrationItem(result("e" + i, confidence), i < wrong ? "b" : "a", 1));
        }
        return out;
    }

    @Test
    void tooFewReviewsCertifyNothingAndTheSequenceStopsAtTheFirstFailure() {
        // 50 results, all right: the bound 1 - 0.1^(1/50) = 0.045 is above alpha = 0.02
        RiskControl.Certification c = RiskControl.certify(items(50, 0.999, 0), 0.001, 0.02, 0.1, 0.99, 1);
        assertThat(c.certified()).isFalse();
        assertThat(c.coverage()).isZero();
        assertThat(c.steps()).hasSize(1);
        assertThat(c.steps().get(0).accepted()).isEqualTo(50);
        assertThat(c.steps().get(0).upperBound()).isCloseTo(-Math.expm1(Math.log(0.1) / 50), within(1e-12));
        // from the strictest candidate, which accepts nothing, the sequence fails at once: hence start()
        assertThat(RiskControl.certify(items(500, 0.999, 0), 0.001, 0.02, 0.1).certified()).isFalse();
    }

    @Test
    void enoughCorrectResultsCertifyTheMostLenientThreshold() {
        // 200 right answers at confidence 0.999: every threshold up to 0.999 accepts all of them, 0 errors,
        // CP bound 1 - 0.1^(1/200) = 0.0114 < 0.02; lower thresholds accept the same: the last one (0) wins
        RiskControl.Certification c = RiskControl.certify(items(200, 0.999, 0), 0.001, 0.02, 0.1, 0.99, 1);
        assertThat(c.certified()).isTrue();
        assertThat(c.threshold()).isEqualTo(0.0);
        assertThat(c.coverage()).isEqualTo(1.0);
        assertThat(c.upperBound()).isCloseTo(-Math.expm1(Math.log(0.1) / 200), within(1e-12));
        assertThat(c.method()).startsWith("Clopper-Pearson");
    }

    @Test
    void errorsAtLowConfidenceStopTheSequenceBeforeThem() {
        List<CalibrationItem> all = items(300, 0.9999, 0);        // confident and right
        for (int i = 0; i < 100; i++) {                              // less confident, half wrong
            all.add(new CalibrationItem(result("u" + i, 0.7), i % 2 == 0 ? "b" : "a", 1));
        }
        RiskControl.Certification c = RiskControl.certify(all, 0.001, 0.02, 0.1, 0.999, 1);
        assertThat(c.certified()).isTrue();
        assertThat(c.threshold()).isGreaterThan(0.7).isLessThanOrEqualTo(0.9999);
        assertThat(c.coverage()).isCloseTo(300.0 / 400, within(1e-12));
        RiskControl.Step failed = c.steps().get(c.steps().size() - 1);
        assertThat(failed.certified()).isFalse();
        assertThat(failed.threshold()).isLessThanOrEqualTo(0.7);
    }

    @Test
    void auditWeightsSwitchToTheWeightedBoundAndCostCoverage() {
        // the same 1,000 confident, right results; in the second set only a 20 % audit sample is labelled
        Random rnd = new Random(5);
        List<CalibrationItem> full = items(1000, 0.9999, 0);
        List<CalibrationItem> audited = new ArrayList<>();
        for (CalibrationItem it : full) {
            audited.add(new CalibrationItem(it.result(), rnd.nextDouble() < 0.2 ? it.truth() : null, 0.2));
        }
        RiskControl.Certification exact = RiskControl.certify(full, 0.001, 0.02, 0.1, 0.999, 1);
        RiskControl.Certification weighted = RiskControl.certify(audited, 0.001, 0.02, 0.1, 0.999, 5);
        assertThat(weighted.method()).startsWith("Hoeffding-Bentkus");
        assertThat(exact.upperBound()).isLessThan(0.02);
        // no errors seen, but each audited item stands for 5: the bound is wider than the exact one
        assertThat(weighted.steps().get(0).upperBound()).isGreaterThan(exact.upperBound());
        // with weight 5 the fewest accepted results that can ever certify 0.02 at 0.1 is ln 0.1 / ln(1 - 0.004)
        assertThat(RiskControl.minimumAccepted(0.02, 0.1, 5)).isEqualTo(
                (long) Math.ceil(Math.log(0.1) / Math.log(1 - 0.004)));
        assertThat(weighted.certified()).isEqualTo(1000 >= RiskControl.minimumAccepted(0.02, 0.1, 5));
    }

    @Test
    void theStartIsTheStrictestCandidateTheFitPartPredictsCanBeCertified() {
        // fit part: 90 % at confidence 0.999997, 10 % at 0.92; CP needs 114 accepted, twice that 228
        List<CalibrationItem> fit = new ArrayList<>(items(90, 0.999997, 0));
        for (int i = 0; i < 10; i++) {
            fit.add(new CalibrationItem(result("f" + i, 0.92), "a", 1));
        }
        // held-out size 300: 0.9 x 300 = 270 >= 228: the strictest candidate accepting the 0.999997s (1 - 10^-5.5)
        assertThat(RiskControl.start(fit, 0.001, 300, 0.02, 0.1, 1)).isLessThanOrEqualTo(0.999997).isGreaterThan(0.99999);
        // held-out size 240: 0.9 x 240 = 216 < 228, so the start must take the 0.92 results in too (1 - 10^-1)
        assertThat(RiskControl.start(fit, 0.001, 240, 0.02, 0.1, 1)).isLessThanOrEqualTo(0.92).isGreaterThan(0.85);
        // held-out size 100: even everything (100) is below 228: the most lenient candidate
        assertThat(RiskControl.start(fit, 0.001, 100, 0.02, 0.1, 1)).isZero();
    }

    @Test
    void weightedErrorsCountOnePerSamplingProbability() {
        List<CalibrationItem> set = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            set.add(new CalibrationItem(result("x" + i, 0.99), i < 2 ? "b" : (i < 25 ? "a" : null), 0.25));
        }
        RiskControl.Step first = RiskControl.certify(set, 0.001, 0.02, 0.1).curve().stream()
                .filter(s -> s.accepted() > 0).findFirst().orElseThrow();
        assertThat(first.accepted()).isEqualTo(100);
        assertThat(first.labelledAccepted()).isEqualTo(25);
        assertThat(first.errors()).isEqualTo(8.0);               // 2 errors / 0.25
        assertThat(first.risk()).isCloseTo(0.08, within(1e-12)); // over all 100 accepted results
    }
}
