package org.difflabel.calibration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Temperature re-fit and threshold certification for one model version from reviewed results.
 *
 * <p>The results are split at random (seeded, after sorting by event id, so the split depends on
 * the seed and the set only) into a fit part and a held-out part. The temperature is fitted on the
 * fit part's labelled results only; NLL/ECE before and after and the threshold certification use
 * the held-out part only, so the guarantee does not depend on data the temperature was chosen on.
 */
public final class Calibrator {

    /** Settings: target error alpha, confidence 1 - delta, held-out share, split seed, ECE bins. */
    public record Options(double alpha, double delta, double holdout, long seed, int bins) {
        public Options {
            if (!(holdout > 0 && holdout < 1)) {
                throw new IllegalArgumentException("holdout must be in (0, 1), got " + holdout);
            }
            if (bins < 1) {
                throw new IllegalArgumentException("bins must be >= 1, got " + bins);
            }
        }
    }

    private Calibrator() {
    }

    /** Fits the temperature and certifies a threshold: the values a new triage policy would take. */
    public static CalibrationResult calibrate(List<CalibrationItem> items, Options o) {
        List<CalibrationItem> shuffled = new ArrayList<>(items);
        shuffled.sort(Comparator.comparing(i -> i.result().eventId()));
        Collections.shuffle(shuffled, new Random(o.seed()));
        int nHoldout = (int) Math.round(o.holdout() * shuffled.size());
        List<CalibrationItem> holdout = shuffled.subList(0, nHoldout);
        List<CalibrationItem> fit = shuffled.subList(nHoldout, shuffled.size());
        if (fit.stream().noneMatch(CalibrationItem::labelled) || holdout.stream().noneMatch(CalibrationItem::labelled)) {
            throw new IllegalArgumentException("too few labelled results to split into a fit part and a held-out part ("
                    + items.stream().filter(CalibrationItem::labelled).count() + " labelled)");
        }
        double recordT = median(items.stream().mapToDouble(i -> i.result().temperature()).toArray());
        double t = TemperatureFit.fit(fit, recordT);
        return calibrate(fit, holdout, t, recordT, RiskControl.maxWeight(items), o);
    }

    /**
     * Certification and metrics on {@code holdout} at a temperature already chosen on {@code fit};
     * the first threshold tested is chosen on {@code fit} too. {@code bound}: the largest weight of the design.
     */
    public static CalibrationResult calibrate(List<CalibrationItem> fit, List<CalibrationItem> holdout, double t,
                                              double recordT, double bound, Options o) {
        double start = RiskControl.start(fit, t, holdout.size(), o.alpha(), o.delta(), bound);
        Map<Double, Integer> probabilities = new TreeMap<>();
        holdout.stream().filter(CalibrationItem::labelled)
                .forEach(i -> probabilities.merge(i.reviewProbability(), 1, Integer::sum));
        return new CalibrationResult(recordT, t, (int) fit.stream().filter(CalibrationItem::labelled).count(),
                holdout.size(), (int) holdout.stream().filter(CalibrationItem::labelled).count(), probabilities,
                quality(holdout, Metrics.RECORD_TEMPERATURE, o.bins()), quality(holdout, t, o.bins()),
                RiskControl.certify(holdout, t, o.alpha(), o.delta(), start, bound));
    }

    private static CalibrationResult.Quality quality(List<CalibrationItem> items, double t, int bins) {
        return new CalibrationResult.Quality(Metrics.nll(items, t), Metrics.ece(items, t, bins),
                Metrics.accuracy(items, t), Metrics.reliability(items, t, bins));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
