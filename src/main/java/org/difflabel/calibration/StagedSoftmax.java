package org.difflabel.calibration;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Recomputes a result's posterior at another temperature from what the record carries.
 *
 * <p>The worker's posterior is staged ({@code DiffusionClassifier}): at each stage the labels
 * still in play share the remaining mass by softmax(-mean error over that stage's samples / T);
 * the labels eliminated there keep their share, the survivors split theirs at the next stage.
 * A label eliminated at a stage has its mean error over that stage's samples on the record
 * (its {@code samples} is that stage's count), but a survivor's mean over the earlier, smaller
 * sample is not on the record. What is known is the survivors' share at the record's temperature
 * T0. So each stage's survivor group is replaced by one pseudo-label whose error g reproduces that
 * share at T0 exactly: g = m_e - T0 ln(M_next / p_e), for the eliminated label e with the largest
 * probability. At T0 this reproduces the record's probabilities (up to rounding); at another T it
 * is exact when one survivor dominates the group's stage-level softmax (the usual case: the
 * survivors' stage-level errors then matter only through the leader) and an approximation
 * otherwise. {@code StagedSoftmaxTest} measures the difference against the exact staged posterior
 * on the held-out digits. With a single stage (all labels on the same samples) it is the plain
 * softmax(-meanError / T), exactly. Label priors (which rescale the record's probabilities) are not
 * recoverable: {@link #consistent} detects records whose final-stage probabilities do not follow
 * softmax(-meanError / T0).
 */
public final class StagedSoftmax {
    private StagedSoftmax() {
    }

    /** Probabilities at temperature t, in the order of {@code r.labels()}. */
    public static double[] probabilities(ScoredResult r, double t) {
        if (!(t > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + t);
        }
        List<LabelResult> ls = r.labels();
        int n = ls.size();
        int[] stageSamples = ls.stream().mapToInt(LabelResult::samples).distinct().sorted().toArray();
        double[] out = new double[n];
        double mass = 1;
        for (int s = 0; s < stageSamples.length; s++) {
            int samples = stageSamples[s];
            boolean last = s == stageSamples.length - 1;
            List<Integer> here = new ArrayList<>();
            double survivorsAtT0 = 0; // record mass of the labels that go on to the next stage
            for (int i = 0; i < n; i++) {
                if (ls.get(i).samples() == samples) {
                    here.add(i);
                } else if (ls.get(i).samples() > samples) {
                    survivorsAtT0 += ls.get(i).probability();
                }
            }
            // log-weights at t of the labels ending here, plus the survivors' pseudo-label
            double[] logw = new double[here.size() + 1];
            for (int a = 0; a < here.size(); a++) {
                logw[a] = -ls.get(here.get(a)).meanError() / t;
            }
            logw[here.size()] = Double.NEGATIVE_INFINITY;
            if (!last) {
                int e = here.stream().max(Comparator.comparingDouble(i -> ls.get(i).probability())).orElseThrow();
                double pe = ls.get(e).probability();
                if (pe > 0 && survivorsAtT0 > 0) {
                    // the survivors' stage-level errors, taken as their final means plus one offset c chosen so
                    // that at T0 the group gets exactly the record's share: their spread comes from the later,
                    // larger sample (the samples are nested, so the two means move together)
                    List<Double> finals = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        if (ls.get(i).samples() > samples) {
                            finals.add(ls.get(i).meanError());
                        }
                    }
                    double g0 = ls.get(e).meanError() - r.temperature() * Math.log(survivorsAtT0 / pe);
                    double c = g0 - softmin(finals, r.temperature());
                    logw[here.size()] = -(softmin(finals, t) + c) / t;
                } else if (survivorsAtT0 > 0) {
                    logw[here.size()] = Double.POSITIVE_INFINITY; // eliminated mass underflowed: survivors take all
                }
            }
            double[] q = softmax(logw);
            for (int a = 0; a < here.size(); a++) {
                out[here.get(a)] = mass * q[a];
            }
            mass *= q[here.size()];
        }
        return out;
    }

    /**
     * Whether the record's final-stage probabilities follow softmax(-meanError / T0) (relative
     * tolerance 1e-6 on ratios of labels above 1e-12): false for results reweighted by priors.
     */
    public static boolean consistent(ScoredResult r) {
        double[] p = probabilities(r, r.temperature());
        for (int i = 0; i < p.length; i++) {
            double rec = r.labels().get(i).probability();
            if (Math.abs(p[i] - rec) > 1e-6 * Math.max(rec, 1e-6)) {
                return false;
            }
        }
        return true;
    }

    /** -t ln sum exp(-m / t): the error of one label that weighs as much as all of them together. */
    private static double softmin(List<Double> m, double t) {
        double min = m.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double sum = 0;
        for (double v : m) {
            sum += Math.exp(-(v - min) / t);
        }
        return min - t * Math.log(sum);
    }

    private static double[] softmax(double[] logw) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logw) {
            max = Math.max(max, v);
        }
        double[] q = new double[logw.length];
        if (max == Double.POSITIVE_INFINITY) {
            for (int i = 0; i < q.length; i++) {
                q[i] = logw[i] == Double.POSITIVE_INFINITY ? 1 : 0;
            }
            return q;
        }
        double sum = 0;
        for (int i = 0; i < q.length; i++) {
            q[i] = Math.exp(logw[i] - max);
            sum += q[i];
        }
        for (int i = 0; i < q.length; i++) {
            q[i] /= sum;
        }
        return q;
    }
}
