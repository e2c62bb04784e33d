package org.difflabel.calibration;

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
 * The regularized incomplete beta function is evaluated by the continued fraction of Numerical
 * Recipes (modified Lentz), log-gamma by Stirling's series after shifting the argument to >= 10.
 */
public final class BinomialBounds {
    private static final double EPS = 1e-16;
    private static final double TINY = 1e-300;

    private BinomialBounds() {
    }

    /** ln Gamma(x) for x > 0: Stirling's series (error < 1e-14 for x >= 10) after the recurrence. */
    public static double logGamma(double x) {
        if (!(x > 0)) {
            throw new IllegalArgumentException("logGamma needs x > 0, got " + x);
        }
        double shift = 0;
        while (x < 10) {
            shift += Math.log(x);
            x += 1;
        }
        double x2 = x * x;
        double series = 1.0 / (12 * x) - 1.0 / (360 * x * x2) + 1.0 / (1260 * x * x2 * x2)
                - 1.0 / (1680 * x * x2 * x2 * x2) + 1.0 / (1188 * x * x2 * x2 * x2 * x2);
        return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
    }

    /** I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1. */
    public static double regularizedBeta(double x, double a, double b) {
        if (x < 0 || x > 1 || !(a > 0) || !(b > 0)) {
            throw new IllegalArgumentException("regularizedBeta(" + x + ", " + a + ", " + b + ")");
        }
        if (x == 0 || x == 1) {
            return x;
        }
        double lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
        double front = Math.exp(lnFront);
        // the continued fraction converges fast for x < (a + 1) / (a + b + 2); else use symmetry
        if (x < (a + 1) / (a + b + 2)) {
            return front * continuedFraction(x, a, b) / a;
        }
        return 1 - front * continuedFraction(1 - x, b, a) / b;
    }

    /** Lentz's guard against dividing by zero: values within TINY of 0 become TINY. */
    private static double awayFromZero(double v) {
        return Math.abs(v) < TINY ? TINY : v;
    }

    private static double continuedFraction(double x, double a, double b) {
        double qab = a + b;
        double qap = a + 1;
        double qam = a - 1;
        double c = 1;
        double d = 1 / awayFromZero(1 - qab * x / qap);
        double h = d;
        for (int m = 1; m <= 100_000; m++) {
            int m2 = 2 * m;
            // Lentz's method: an even step, then an odd step of the fraction
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 / awayFromZero(1 + aa * d);
            c = awayFromZero(1 + aa / c);
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 / awayFromZero(1 + aa * d);
            c = awayFromZero(1 + aa / c);
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < EPS) {
                return h;
            }
        }
        throw new ArithmeticException("incomplete beta did not converge for x=" + x + " a=" + a + " b=" + b);
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
