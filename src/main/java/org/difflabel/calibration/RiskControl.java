package org.difflabel.calibration;

import java.util.ArrayList;
import java.util.List;

/**
 * Learn-then-Test (Angelopoulos, Bates et al. 2021) selection of an auto-accept threshold on
 * confidence: results with confidence >= lambda are accepted without a human, and the risk is the
 * error rate among accepted results, R(lambda) = P(wrong | confidence >= lambda).
 *
 * <p>Each candidate lambda is a hypothesis test of H0: R(lambda) > alpha. The candidates are
 * tested in a fixed order, strictest first, each at level delta, stopping at the first one not
 * rejected (fixed-sequence testing controls the family-wise error at delta without a multiplicity
 * correction). The certified threshold is the most lenient one rejected: with probability at least
 * 1 - delta over the calibration data, its risk on exchangeable future data is at most alpha.
 *
 * <p>Where the sequence starts matters: a threshold that accepts too few calibration results
 * cannot be certified however good they are, and the first failure ends the sequence. So the
 * start is chosen on the <em>fit</em> part ({@link #start}): the strictest candidate under which
 * the fit part predicts enough accepted held-out results to certify at all. That choice does not
 * look at the held-out part, so given the fit part the sequence is still fixed in advance and the
 * guarantee holds.
 *
 * <p>The p-values, over the n calibration results that lambda accepts (given which ones they are,
 * these are i.i.d. draws from the accepted population):
 * <ul>
 *   <li>every result labelled with review probability 1 (e.g. dataset labels): the losses are 0/1
 *       and the exact binomial test is used (p = P(Bin(n, alpha) <= errors); the report's bound is
 *       the Clopper-Pearson one);</li>
 *   <li>otherwise, results reviewed with probability pi < 1 (audit samples) count as error/pi and
 *       the accepted results that were not drawn count as 0: an unbiased estimate of each result's
 *       loss (Horvitz-Thompson), bounded by B = max 1/pi. These losses are not 0/1, so the
 *       Hoeffding-Bentkus p-value, valid for any independent losses in [0, B] after rescaling, is
 *       used. Treating weighted counts as binomial (a weighted Clopper-Pearson) is not valid.</li>
 * </ul>
 */
public final class RiskControl {
    /**
     * Candidate thresholds, strictest first: lambda = 1 - 10^(-x) for x = 8, 7.9, ..., 0.1, 0.
     * Fixed before looking at any data (as LTT requires) and spaced in 1 - confidence, where the
     * confidences of a sharp classifier crowd near 1.
     */
    public static final double[] CANDIDATES = candidates();

    private RiskControl() {
    }

    private static double[] candidates() {
        double[] c = new double[81];
        for (int j = 0; j <= 80; j++) {
            c[j] = 1 - Math.pow(10, -(8 - 0.1 * j));
        }
        c[80] = 0;
        return c;
    }

    /** How a threshold fared: the accepted results, their (weighted) errors, the bound and the test. */
    public record Step(double threshold, int accepted, int labelledAccepted, double errors, double risk,
                       double upperBound, double pValue, boolean certified) {
    }

    /** The outcome: every tested step (until the first failure), the certified threshold or none. */
    public record Certification(double alpha, double delta, double start, String method, int items, List<Step> steps,
                                List<Step> curve, Double threshold, double coverage, double risk, double upperBound) {
        public boolean certified() {
            return threshold != null;
        }
    }

    /**
     * The fewest accepted results that can certify alpha at delta at all (none of them wrong):
     * (1 - alpha / bound)^n <= delta, where bound is the largest weight (1 for 0/1 losses).
     */
    public static long minimumAccepted(double alpha, double delta, double bound) {
        return (long) Math.ceil(Math.log(delta) / Math.log1p(-alpha / bound));
    }

    /**
     * The first candidate to test, chosen on the fit part only: the strictest one whose accepted
     * share of the fit part, times the held-out size, is at least twice {@link #minimumAccepted}
     * (twice: room for a few errors); the most lenient candidate (0) when none is.
     */
    public static double start(List<CalibrationItem> fit, double t, int holdoutSize, double alpha, double delta,
                               double bound) {
        double[] conf = fit.stream().mapToDouble(i -> i.at(t).confidence()).toArray();
        long needed = 2 * minimumAccepted(alpha, delta, bound);
        for (double lambda : CANDIDATES) {
            long accepted = java.util.Arrays.stream(conf).filter(c -> c >= lambda).count();
            if (conf.length > 0 && (double) accepted / conf.length * holdoutSize >= needed) {
                return lambda;
            }
        }
        return 0;
    }

    /** {@link #certify(List, double, double, double, double, double)} from the strictest candidate, bound from the items. */
    public static Certification certify(List<CalibrationItem> items, double t, double alpha, double delta) {
        return certify(items, t, alpha, delta, CANDIDATES[0], maxWeight(items));
    }

    public static double maxWeight(List<CalibrationItem> items) {
        return items.stream().mapToDouble(CalibrationItem::weight).max().orElse(1);
    }

    /**
     * Certifies a threshold on the items' confidences at temperature t.
     *
     * @param items the certification set: every result of the period, labelled or (accepted and
     *              not drawn for audit) unlabelled; results still pending review must be left out
     * @param start the first candidate tested (stricter ones are skipped), see {@link #start}
     * @param bound the largest possible weighted loss, 1 / the smallest review probability of the
     *              design (a property of the audit rates, not of the held-out sample)
     */
    public static Certification certify(List<CalibrationItem> items, double t, double alpha, double delta,
                                        double start, double bound) {
        if (!(alpha > 0 && alpha < 1) || !(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("alpha and delta must be in (0, 1), got " + alpha + ", " + delta);
        }
        if (bound < maxWeight(items)) {
            throw new IllegalArgumentException("bound " + bound + " is below an item's weight " + maxWeight(items));
        }
        boolean exact = bound == 1 && items.stream().allMatch(i -> i.reviewProbability() == 1);
        double[] conf = new double[items.size()];
        double[] loss = new double[items.size()];
        for (int i = 0; i < conf.length; i++) {
            CalibrationItem it = items.get(i);
            CalibrationItem.Scored s = it.at(t);
            conf[i] = s.confidence();
            loss[i] = it.labelled() && !s.top().equals(it.truth()) ? it.weight() : 0;
        }
        List<Step> steps = new ArrayList<>();
        List<Step> curve = new ArrayList<>();
        boolean failed = false;
        Step last = null;
        for (double lambda : CANDIDATES) {
            int n = 0;
            int labelled = 0;
            double errors = 0;
            for (int i = 0; i < conf.length; i++) {
                if (conf[i] >= lambda) {
                    n++;
                    labelled += items.get(i).labelled() ? 1 : 0;
                    errors += loss[i];
                }
            }
            double risk = n == 0 ? 0 : errors / n;
            double p = Double.NaN;
            double ucb = Double.NaN;
            // before the start and past the first failure nothing is tested: the curve only needs the risk
            if (lambda <= start && !failed) {
                if (exact) {
                    long k = Math.round(errors);
                    p = BinomialBounds.binomialPValue(k, n, alpha);
                    ucb = n == 0 ? 1 : BinomialBounds.clopperPearsonUpper(k, n, delta);
                } else {
                    double scaled = n == 0 ? 0 : Math.min(1, risk / bound);
                    p = BinomialBounds.hoeffdingBentkusPValue(scaled, n, alpha / bound);
                    ucb = Math.min(1, bound * BinomialBounds.hoeffdingBentkusUpper(scaled, n, delta));
                }
            }
            boolean tested = lambda <= start;
            boolean pass = tested && !failed && p <= delta;
            Step step = new Step(lambda, n, labelled, errors, risk, ucb, p, pass);
            curve.add(step);
            if (tested && !failed) {
                steps.add(step);
                if (pass) {
                    last = step;
                } else {
                    failed = true; // fixed sequence: nothing after the first failure is certified
                }
            }
        }
        int total = items.size();
        return new Certification(alpha, delta, start, exact ? "Clopper-Pearson (exact binomial)" : "Hoeffding-Bentkus (weighted)",
                total, steps, curve, last == null ? null : last.threshold(),
                last == null || total == 0 ? 0 : (double) last.accepted() / total,
                last == null ? Double.NaN : last.risk(), last == null ? Double.NaN : last.upperBound());
    }
}
