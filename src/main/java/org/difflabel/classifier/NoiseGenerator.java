package org.difflabel.classifier;

import java.nio.charset.StandardCharsets;

/**
 * Seeded Gaussian noise that is identical in Java and in the Python reference
 * ({@code onnx-models/tools/common.py}): SplitMix64 words, 53-bit uniforms in (0, 1],
 * Box-Muller in double precision with {@link StrictMath}, rounded to float.
 *
 * <p>The seed of a request is a function of (request id, model version) only, so a replay of the
 * same event on the same model version draws the same noise, bit for bit.
 */
public final class NoiseGenerator {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final double TWO_POW_MINUS_53 = 1.0 / 9007199254740992.0;

    private NoiseGenerator() {
    }

    /** FNV-1a 64 of {@code requestId + '\0' + modelVersion} (UTF-8). */
    public static long requestSeed(String requestId, String modelVersion) {
        long h = 0xCBF29CE484222325L;
        for (byte b : (requestId + "\0" + modelVersion).getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xFF);
            h *= 0x100000001B3L;
        }
        return h;
    }

    /** Seed of sample {@code j} of a request, so each sample's noise can be drawn on its own. */
    public static long sampleSeed(long requestSeed, int j) {
        return mix((requestSeed ^ ((long) (j + 1) * 0xD1B54A32D192ED03L)) + GOLDEN);
    }

    /** Fills {@code out[0..n)} with standard normals drawn from {@code seed}. */
    public static void gaussian(long seed, float[] out, int n) {
        long state = seed;
        for (int i = 0; i < n; i += 2) {
            state += GOLDEN;
            double u1 = uniform(mix(state));
            state += GOLDEN;
            double u2 = uniform(mix(state));
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double theta = 2.0 * Math.PI * u2;
            out[i] = (float) (r * StrictMath.cos(theta));
            if (i + 1 < n) {
                out[i + 1] = (float) (r * StrictMath.sin(theta));
            }
        }
    }

    private static double uniform(long z) {
        return ((z >>> 11) + 1.0) * TWO_POW_MINUS_53;
    }

    /** The SplitMix64 output function. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
