package org.difflabel.calibration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Repeated random splits of the held-out digits into a calibration half (the "reviews") and a test
 * half (the future): calibrate on the first, measure the certified threshold on the second.
 */
final class SplitStudy {

    /** Per study: splits, how many certified a threshold, how many of those broke alpha on the test half, ... */
    record Outcome(int splits, int certified, int violations, double meanCoverage, double meanTestRisk,
                   double meanTemperature, double minTemperature, double maxTemperature) {
        double violationRate() {
            return (double) violations / splits;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                    "%d splits: certified %d, violations %d (%.3f), mean test coverage %.3f, mean test error among"
                            + " accepted %.4f, T mean %.6f [%.6f, %.6f]", splits, certified, violations, violationRate(),
                    meanCoverage, meanTestRisk, meanTemperature, minTemperature, maxTemperature);
        }
    }

    private SplitStudy() {
    }

    /**
     * @param calibration the rows the calibration half is drawn from
     * @param test        the rows the test half is drawn from (matched by event id: the same images, maybe shifted)
     */
    static Outcome run(List<HeldoutResults.Row> calibration, List<HeldoutResults.Row> test, int splits,
                       Calibrator.Options options) {
        return run(calibration, test, splits, options, (items, split) -> items);
    }

    /** What reached the reviewers of one split's calibration half (e.g. only an audit sample of the accepted results). */
    interface Design {
        List<CalibrationItem> reviewed(List<CalibrationItem> calibrationHalf, int split);
    }

    /**
     * An audit design: results whose recorded confidence passes {@code threshold} are accepted and
     * labelled only when drawn for audit (probability {@code rate}, seeded per split and event);
     * the others went to the review queue and are all labelled.
     */
    static Design audit(double threshold, double rate) {
        return (items, split) -> items.stream().map(it -> {
            boolean accepted = it.at(Metrics.RECORD_TEMPERATURE).confidence() >= threshold;
            if (!accepted) {
                return it;
            }
            boolean drawn = new Random(31L * split + it.result().eventId().hashCode()).nextDouble() < rate;
            return new CalibrationItem(it.result(), drawn ? it.truth() : null, rate);
        }).toList();
    }

    static Outcome run(List<HeldoutResults.Row> calibration, List<HeldoutResults.Row> test, int splits,
                       Calibrator.Options options, Design design) {
        Map<String, HeldoutResults.Row> testById = test.stream()
                .collect(Collectors.toMap(r -> r.result().eventId(), Function.identity()));
        List<String> ids = calibration.stream().map(r -> r.result().eventId()).filter(testById::containsKey).sorted()
                .collect(Collectors.toCollection(ArrayList::new));
        Map<String, HeldoutResults.Row> calById = calibration.stream()
                .collect(Collectors.toMap(r -> r.result().eventId(), Function.identity()));
        int certified = 0;
        int violations = 0;
        double coverage = 0;
        double risk = 0;
        double tSum = 0;
        double tMin = Double.POSITIVE_INFINITY;
        double tMax = 0;
        for (int s = 0; s < splits; s++) {
            List<String> order = new ArrayList<>(ids);
            Collections.shuffle(order, new Random(1_000 + s));
            int half = order.size() / 2;
            List<CalibrationItem> cal = order.subList(0, half).stream().map(id -> calById.get(id).asDatasetItem()).toList();
            List<CalibrationItem> future = order.subList(half, order.size()).stream()
                    .map(id -> testById.get(id).asDatasetItem()).toList();
            CalibrationResult r = Calibrator.calibrate(design.reviewed(cal, s), new Calibrator.Options(options.alpha(), options.delta(),
                    options.holdout(), s, options.bins()));
            tSum += r.temperature();
            tMin = Math.min(tMin, r.temperature());
            tMax = Math.max(tMax, r.temperature());
            if (r.certifiedThreshold().isEmpty()) {
                continue; // nothing accepted, nothing broken
            }
            certified++;
            double lambda = r.certifiedThreshold().getAsDouble();
            int accepted = 0;
            int wrong = 0;
            for (CalibrationItem it : future) {
                CalibrationItem.Scored sc = it.at(r.temperature());
                if (sc.confidence() >= lambda) {
                    accepted++;
                    wrong += sc.top().equals(it.truth()) ? 0 : 1;
                }
            }
            double testRisk = accepted == 0 ? 0 : (double) wrong / accepted;
            coverage += (double) accepted / future.size();
            risk += testRisk;
            violations += testRisk > options.alpha() ? 1 : 0;
        }
        return new Outcome(splits, certified, violations, certified == 0 ? 0 : coverage / certified,
                certified == 0 ? 0 : risk / certified, tSum / splits, tMin, tMax);
    }
}
