package org.difflabel.model;

/**
 * Limits applied before an image is decoded: encoded size, and width x height read from the
 * header (a decompression bomb is refused before its pixels are inflated).
 */
public record ImageLimits(long maxEncodedBytes, long maxPixels) {
    /**
     * 20 MiB encoded, 4096 x 4096 pixels: far above what these models take (decoding holds the
     * full image in memory before it is resized).
     */
    public static final ImageLimits DEFAULT = new ImageLimits(20L << 20, 4096L * 4096L);

    public ImageLimits {
        if (maxEncodedBytes < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("image limits must be positive");
        }
    }
}
