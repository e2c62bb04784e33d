package org.difflabel.calibration;

import java.util.List;

/**
 * Fits the softmax temperature by minimising the (weighted) NLL of the labelled items: a
 * golden-section search on ln T, which is one-dimensional and needs no derivatives. For a plain
 * softmax the NLL is convex in 1/T, so unimodal in ln T; the search interval spans four decades
 * on either side of the temperature the results were computed with.
 */
public final class TemperatureFit {
    private static final double INV_PHI = (Math.sqrt(5) - 1) / 2;
    private static final double SPAN = Math.log(1e4);
    private static final double TOLERANCE = 1e-7; // in ln T: a relative precision of 1e-7 on T

    private TemperatureFit() {
    }

    /** The NLL-minimising temperature, starting around {@code around} (e.g. the records' temperature). */
    public static double fit(List<CalibrationItem> items, double around) {
        if (items.stream().noneMatch(CalibrationItem::labelled)) {
            throw new IllegalArgumentException("no labelled items to fit a temperature on");
        }
        return minimize(t -> Metrics.nll(items, t), around);
    }

    /**
     * The temperature minimising {@code nll} (a function of T, unimodal in ln T), by golden-section
     * search over ln T within a factor of 10^4 of {@code around}.
     */
    public static double minimize(java.util.function.DoubleUnaryOperator nll, double around) {
        double a = Math.log(around) - SPAN;
        double b = Math.log(around) + SPAN;
        double c = b - INV_PHI * (b - a);
        double d = a + INV_PHI * (b - a);
        double fc = nll.applyAsDouble(Math.exp(c));
        double fd = nll.applyAsDouble(Math.exp(d));
        while (b - a > TOLERANCE) {
            if (fc < fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - INV_PHI * (b - a);
                fc = nll.applyAsDouble(Math.exp(c));
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + INV_PHI * (b - a);
                fd = nll.applyAsDouble(Math.exp(d));
            }
        }
        return Math.exp(0.5 * (a + b));
    }
}
