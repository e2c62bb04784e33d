package org.difflabel.model;

/**
 * Separable image resampling as weight matrices [out][in], computed in float64. Two rules, each
 * the twin of a function in {@code onnx-models/tools/common.py}:
 * <ul>
 *   <li>area: exact box filter, each output cell the average of the input over its footprint;</li>
 *   <li>bicubic: PIL's bicubic coefficients (a = -0.5, support 2, widened by the scale factor when
 *   downsampling so it antialiases), as torchvision's {@code Resize(BICUBIC)} applies them, without
 *   PIL's 8-bit rounding.</li>
 * </ul>
 */
final class Resampling {
    private static final double A = -0.5;
    private static final double SUPPORT = 2.0;

    private Resampling() {
    }

    /** Area (box) weights; rows sum to 1. */
    static double[][] area(int in, int out) {
        double[][] w = new double[out][in];
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double a = o * scale;
            double b = (o + 1) * scale;
            int i0 = (int) Math.floor(a);
            int i1 = Math.min(in, (int) Math.ceil(b));
            for (int i = i0; i < i1; i++) {
                double overlap = Math.min(b, i + 1) - Math.max(a, i);
                if (overlap > 0) {
                    w[o][i] = overlap / scale;
                }
            }
        }
        return w;
    }

    /** Bicubic weights; rows sum to 1. */
    static double[][] bicubic(int in, int out) {
        double scale = (double) in / out;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(in, (int) (center + support + 0.5));
            double sum = 0;
            for (int x = xmin; x < xmax; x++) {
                double k = cubic((x - center + 0.5) * (1.0 / filterScale)); // as PIL: multiply by 1/scale
                w[o][x] = k;
                sum += k;
            }
            if (sum != 0) {
                for (int x = xmin; x < xmax; x++) {
                    w[o][x] /= sum;
                }
            }
        }
        return w;
    }

    private static double cubic(double x) {
        x = Math.abs(x);
        if (x < 1.0) {
            return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0.0;
    }
    static double[][] apply(double[][] img, double[][] wy, double[][] wx) {
        int h = img.length;
        int w = img[0].length;
        int oh = wy.length;
        int ow = wx.length;
        double[][] rows = new double[oh][w];
        for (int o = 0; o < oh; o++) {
            for (int i = 0; i < h; i++) {
                double k = wy[o][i];
                if (k != 0) {
                    for (int x = 0; x < w; x++) {
                        rows[o][x] += k * img[i][x];
                    }
                }
            }
        }
        double[][] out = new double[oh][ow];
        for (int o = 0; o < oh; o++) {
            for (int p = 0; p < ow; p++) {
                double s = 0;
                for (int x = 0; x < w; x++) {
                    s += wx[p][x] * rows[o][x];
                }
                out[o][p] = s;
            }
        }
        return out;
    }
}
