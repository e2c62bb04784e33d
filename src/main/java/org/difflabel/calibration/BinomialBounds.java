package org.difflabel.calibration;

import org.difflabel.stats.SpecialFunctions;

/**
 * Finite-sample tests and upper confidence bounds for an error rate, implemented here (no
 * statistics library on the classpath) and checked against SciPy ({@code tools/calibration_golden.py}).
 *
 * <ul>
 *   <li>{@link #clopperPearsonUpper}: the exact one-sided Clopper-Pearson bound for k errors in n
 *       Bernoulli trials: the u with P(Bin(n, u) <= k) = delta, i.e. the (1 - delta) quantile of
 *       Beta(k + 1, n - k). Valid for 0/1 losses of i.i.d. (or exchangeable) items.</li>
 *   <li>{@link #binomialPValue}: P(Bin(n, alpha) <= k), the exact p-value of H0 "rate > alpha";
 *       {@code p <= delta} exactly when {@code clopperPearsonUpper(k, n, delta) <= alpha}.</li>
 *   <li>{@link #hoeffdingBentkusPValue}: for losses that are not 0/1 but bounded in [0, 1]
 *       (importance-weighted losses, rescaled). Bates et al., "Distribution-free, risk-controlling
 *       prediction sets" (2021), Prop. 3.3: min of Hoeffding's exp(-n h1(min(r, a), a)) and
 *       Bentkus' e P(Bin(n, a) <= ceil(n r)). Both inequalities hold for any independent [0, 1]
 *       variables with mean a, which is why this (and not a Clopper-Pearson bound on "effective"
 *       weighted counts, which has no such guarantee) is used with weights.</li>
 * </ul>
 *
 * The special functions are in {@link SpecialFunctions}.
 */
public final class BinomialBounds {
    private BinomialBounds() {
    }

    /** ln Gamma(x) for x > 0 ({@link SpecialFunctions#logGamma}). */
    public static double logGamma(double x) {
        return SpecialFunctions.logGamma(x);
    }

    /** I_x(a, b) ({@link SpecialFunctions#regularizedBeta}). */
    public static double regularizedBeta(double x, double a, double b) {
        return SpecialFunctions.regularizedBeta(x, a, b);
    }

    /** P(Bin(n, p) <= k). */
    public static double binomialCdf(long k, long n, double p) {
        checkCounts(k, n);
        if (k >= n || p <= 0) {
            return 1;
        }
        if (p >= 1) {
            return 0;
        }
        return regularizedBeta(1 - p, n - k, k + 1);
    }

    /** Exact p-value of H0 "error rate > alpha" after k errors in n trials: P(Bin(n, alpha) <= k). */
    public static double binomialPValue(long k, long n, double alpha) {
        return n == 0 ? 1 : binomialCdf(k, n, alpha);
    }

    /**
     * One-sided (1 - delta) Clopper-Pearson upper bound on the rate after k errors in n trials
     * (1 when n = 0). Bisection on the binomial CDF, which falls as the rate grows.
     */
    public static double clopperPearsonUpper(long k, long n, double delta) {
        checkCounts(k, n);
        checkLevel(delta);
        if (k >= n) {
            return 1;
        }
        if (k == 0) {
            return -Math.expm1(Math.log(delta) / n); // 1 - delta^(1/n) without cancellation
        }
        double lo = (double) k / n;
        double hi = 1;
        for (int i = 0; i < 200 && hi - lo > 1e-17 * hi; i++) {
            double mid = 0.5 * (lo + hi);
            if (binomialCdf(k, n, mid) > delta) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /**
     * Hoeffding-Bentkus p-value of H0 "mean > alpha" for n independent losses in [0, 1] whose
     * sample mean is {@code mean} (Bates et al. 2021, Prop. 3.3).
     */
    public static double hoeffdingBentkusPValue(double mean, long n, double alpha) {
        if (n == 0) {
            return 1;
        }
        if (!(alpha > 0 && alpha < 1) || mean < 0 || mean > 1) {
            throw new IllegalArgumentException("hoeffdingBentkus(mean=" + mean + ", alpha=" + alpha + ")");
        }
        double r = Math.min(mean, alpha);
        double hoeffding = Math.exp(-n * h1(r, alpha));
        long c = (long) Math.ceil(n * mean - 1e-9); // tolerate rounding of n * mean just above an integer
        double bentkus = Math.E * binomialCdf(Math.min(c, n), n, alpha);
        return Math.min(1, Math.min(hoeffding, bentkus));
    }

    /**
     * The smallest alpha at which {@link #hoeffdingBentkusPValue} is <= delta: an upper confidence
     * bound for the mean (1 when none below 1 is). The p-value falls as alpha grows.
     */
    public static double hoeffdingBentkusUpper(double mean, long n, double delta) {
        checkLevel(delta);
        if (n == 0 || hoeffdingBentkusPValue(mean, n, 1 - 1e-12) > delta) {
            return 1;
        }
        double lo = mean;
        double hi = 1 - 1e-12;
        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
            double mid = 0.5 * (lo + hi);
            if (mid <= 0 || hoeffdingBentkusPValue(mean, n, mid) > delta) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    /** Kullback-Leibler divergence between Bernoulli(a) and Bernoulli(b). */
    static double h1(double a, double b) {
        double left = a == 0 ? 0 : a * Math.log(a / b);
        double right = a == 1 ? 0 : (1 - a) * Math.log((1 - a) / (1 - b));
        return left + right;
    }

    private static void checkCounts(long k, long n) {
        if (n < 0 || k < 0 || k > n) {
            throw new IllegalArgumentException("need 0 <= k <= n, got k=" + k + " n=" + n);
        }
    }

    private static void checkLevel(double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
        }
    }
}
