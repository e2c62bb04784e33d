package org.difflabel.model;

/**
 * Exact box-filter resampling: each output cell is the average of the input over its
 * footprint, partial pixels weighted by their overlap. Separable; works both ways (down and
 * up). Twin of {@code area_weights} in {@code onnx-models/tools/common.py}.
 */
final class AreaResize {
    private AreaResize() {
    }

    /** Sparse-as-dense weights [out][in]; rows sum to 1. */
    static double[][] weights(int in, int out) {
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
