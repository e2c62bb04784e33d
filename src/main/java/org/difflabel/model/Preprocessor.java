package org.difflabel.model;

import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.ClassificationException.Code;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Encoded image bytes to the model's input: decode PNG or JPEG, convert to the model's channels
 * (grey by ITU-R 601 luma, alpha composited onto the manifest's background), resize the short
 * side to the model's size (exact area rule, or PIL/torchvision bicubic), centre-crop, scale to
 * [-1, 1].
 * The same arithmetic as {@code preprocess_uint8} in {@code onnx-models/tools/common.py}.
 */
public final class Preprocessor {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private final int size;
    private final int channels;
    private final double[] background;
    private final ImageLimits limits;
    private final boolean bicubic;

    public Preprocessor(ModelManifest.Image image, ImageLimits limits) {
        this.size = image.size();
        this.bicubic = "bicubic-short-side-center-crop".equals(image.resize());
        this.channels = image.channels();
        this.background = new double[3];
        if (image.alphaBackground() != null) {
            for (int i = 0; i < 3; i++) {
                background[i] = image.alphaBackground().get(i);
            }
        }
        this.limits = limits;
    }

    /** The model-space image, C x size x size, row-major. */
    public float[] apply(byte[] encoded) {
        return toModelSpace(decode(encoded));
    }

    /** Decoded pixels: channels (1 or 3) x height x width, values 0..255 as doubles. */
    double[][][] decode(byte[] encoded) {
        if (encoded == null || encoded.length == 0) {
            throw new ClassificationException(Code.CORRUPT_IMAGE, "image is empty (0 bytes)");
        }
        if (encoded.length > limits.maxEncodedBytes()) {
            throw new ClassificationException(Code.IMAGE_TOO_LARGE, "image is " + encoded.length
                    + " bytes, over the limit of " + limits.maxEncodedBytes());
        }
        String format = sniff(encoded);
        if (format.equals("png")) {
            checkDimensions(pngDimension(encoded, 16), pngDimension(encoded, 20));
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
            if (!readers.hasNext()) {
                throw new ClassificationException(Code.UNSUPPORTED_IMAGE_FORMAT, "no decoder for " + format);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkDimensions(reader.getWidth(0), reader.getHeight(0));
                ImageReadParam param = reader.getDefaultReadParam();
                return pixels(reader.read(0, param));
            } finally {
                reader.dispose();
            }
        } catch (ClassificationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO reports truncated/corrupt streams as IIOException, sometimes as runtime errors
            throw new ClassificationException(Code.CORRUPT_IMAGE, format + " does not decode: " + e.getMessage(), e);
        }
    }

    /** Refuses empty images and decompression bombs from the header alone. */
    private void checkDimensions(long w, long h) {
        if (w <= 0 || h <= 0) {
            throw new ClassificationException(Code.BAD_IMAGE_DIMENSIONS, "image is " + w + "x" + h + " pixels");
        }
        if (w * h > limits.maxPixels()) {
            throw new ClassificationException(Code.BAD_IMAGE_DIMENSIONS, "image is " + w + "x" + h + " = " + (w * h)
                    + " pixels, over the limit of " + limits.maxPixels());
        }
    }

    /** Width (offset 16) or height (offset 20) from a PNG's IHDR, read before any decoder sees it. */
    private static long pngDimension(byte[] b, int offset) {
        if (b.length < 24 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            throw new ClassificationException(Code.CORRUPT_IMAGE, "PNG has no IHDR header (truncated or corrupt)");
        }
        return ((b[offset] & 0xFFL) << 24) | ((b[offset + 1] & 0xFFL) << 16) | ((b[offset + 2] & 0xFFL) << 8)
                | (b[offset + 3] & 0xFFL);
    }

    private static String sniff(byte[] b) {
        if (b.length >= 8 && java.util.Arrays.equals(b, 0, 8, PNG, 0, 8)) {
            return "png";
        }
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return "jpeg";
        }
        throw new ClassificationException(Code.UNSUPPORTED_IMAGE_FORMAT,
                "not a PNG or JPEG image (first bytes " + hex(b, 8) + ")");
    }

    private double[][][] pixels(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        boolean grey = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1
                && !(cm instanceof java.awt.image.IndexColorModel);
        double[][][] out = new double[channels][h][w];
        double[] px = new double[3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double alpha;
                if (grey) {
                    // read grey samples directly: getRGB would push them through a linear-grey colour space
                    double max = (1 << cm.getComponentSize(0)) - 1;
                    double v = raster.getSample(x, y, 0) * 255.0 / max;
                    px[0] = px[1] = px[2] = v;
                    alpha = cm.hasAlpha() ? raster.getSample(x, y, 1) / (double) ((1 << cm.getComponentSize(1)) - 1) : 1.0;
                } else {
                    int argb = img.getRGB(x, y);
                    px[0] = (argb >> 16) & 0xFF;
                    px[1] = (argb >> 8) & 0xFF;
                    px[2] = argb & 0xFF;
                    alpha = cm.hasAlpha() ? ((argb >>> 24) & 0xFF) / 255.0 : 1.0;
                }
                if (alpha < 1.0) {
                    for (int c = 0; c < 3; c++) {
                        px[c] = alpha * px[c] + (1 - alpha) * background[c];
                    }
                }
                if (channels == 1) {
                    out[0][y][x] = grey ? px[0] : 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
                } else {
                    out[0][y][x] = px[0];
                    out[1][y][x] = px[1];
                    out[2][y][x] = px[2];
                }
            }
        }
        return out;
    }

    /**
     * Resize the short side to {@code size}, centre-crop, scale 0..255 to [-1, 1]. The area rule
     * rounds the long side and floors the crop offset; the bicubic rule follows torchvision
     * ({@code Resize} floors the long side, {@code CenterCrop} rounds the offset half to even).
     */
    float[] toModelSpace(double[][][] img) {
        int h = img[0].length;
        int w = img[0][0].length;
        int nh = size;
        int nw = size;
        int shortSide = Math.min(h, w);
        int longSide = Math.max(h, w);
        int scaledLong = bicubic ? (int) ((double) size * longSide / shortSide)
                : (int) Math.rint((double) longSide * size / shortSide); // Python round(): half to even
        if (h > w) {
            nh = Math.max(size, scaledLong);
        } else if (w > h) {
            nw = Math.max(size, scaledLong);
        }
        int top = bicubic ? (int) Math.rint((nh - size) / 2.0) : (nh - size) / 2;
        int left = bicubic ? (int) Math.rint((nw - size) / 2.0) : (nw - size) / 2;
        double[][] wy = bicubic ? Resampling.bicubic(h, nh) : Resampling.area(h, nh);
        double[][] wx = bicubic ? Resampling.bicubic(w, nw) : Resampling.area(w, nw);
        float[] out = new float[channels * size * size];
        for (int c = 0; c < channels; c++) {
            double[][] resized = (nh == h && nw == w) ? img[c] : Resampling.apply(img[c], wy, wx);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double v = resized[top + y][left + x];
                    // the same arithmetic as the Python twin of each rule, to the last bit
                    out[(c * size + y) * size + x] = (float) (bicubic ? v / 127.5 - 1.0 : v / 255.0 * 2.0 - 1.0);
                }
            }
        }
        return out;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }
}
