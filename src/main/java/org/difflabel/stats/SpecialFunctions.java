package org.difflabel.stats;

/**
 * The special functions the project's tests need, implemented here (no statistics library on the
 * classpath) and checked against SciPy: log-gamma by Stirling's series after shifting the argument
 * to >= 10; the regularized incomplete beta function by the continued fraction of Numerical
 * Recipes (modified Lentz); Student's t upper tail from it.
 */
public final class SpecialFunctions {
    private static final double EPS = 1e-16;
    private static final double TINY = 1e-300;

    private SpecialFunctions() {
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

    /** P(T > t) for Student's t with {@code df} degrees of freedom (df > 0). */
    public static double studentTUpperTail(double t, double df) {
        if (!(df > 0)) {
            throw new IllegalArgumentException("degrees of freedom must be > 0, got " + df);
        }
        if (Double.isNaN(t)) {
            return Double.NaN;
        }
        if (Double.isInfinite(t)) {
            return t > 0 ? 0 : 1;
        }
        // P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2)
        double twoSided = regularizedBeta(df / (df + t * t), df / 2, 0.5);
        return t >= 0 ? twoSided / 2 : 1 - twoSided / 2;
    }
}
