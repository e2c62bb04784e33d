package org.difflabel.model;

import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.ClassificationException.Code;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Decoding, colour conversion, resizing and every refusal, each with its specific code. */
class PreprocessorTest {
    private static final ModelManifest.Image GREY16 = new ModelManifest.Image(16, 1, "grey",
            "area-short-side-center-crop", "x/127.5-1", List.of(0, 0, 0));
    private static final ModelManifest.Image RGB8 = new ModelManifest.Image(8, 3, "rgb",
            "area-short-side-center-crop", "x/127.5-1", List.of(128, 128, 128));

    private final Preprocessor grey = new Preprocessor(GREY16, ImageLimits.DEFAULT);
    private final Preprocessor rgb = new Preprocessor(RGB8, ImageLimits.DEFAULT);

    @Test
    void greyPngKeepsItsRawValues() {
        float[] x = grey.apply(TestImages.encode(TestImages.grey(16, 16, 51), "png"));
        assertThat(x).hasSize(256);
        assertThat((double) x[0]).isCloseTo(51 / 127.5 - 1, within(1e-6));
    }

    @Test
    void rgbBecomesLumaForAGreyModel() {
        float[] x = grey.apply(TestImages.encode(TestImages.filled(16, 16, BufferedImage.TYPE_INT_RGB, 0xFF0000), "png"));
        assertThat((double) x[100]).isCloseTo(0.299 * 255 / 127.5 - 1, within(1e-6));
    }

    @Test
    void greyIsReplicatedForAnRgbModel() {
        float[] x = rgb.apply(TestImages.encode(TestImages.grey(8, 8, 255), "png"));
        assertThat(x).hasSize(3 * 64).containsOnly(1.0f);
    }

    @Test
    void paletteImagesDecodeToTheirColours() {
        float[] x = rgb.apply(TestImages.encode(TestImages.palette(8, 8, 255, 0, 0), "png"));
        assertThat(x[0]).isEqualTo(1.0f);
        assertThat(x[64]).isEqualTo(-1.0f);
        assertThat(x[128]).isEqualTo(-1.0f);
    }

    @Test
    void transparentPixelsTakeTheModelsBackground() {
        // fully transparent white: only the grey background (128) remains
        float[] x = rgb.apply(TestImages.encode(TestImages.filled(8, 8, BufferedImage.TYPE_INT_ARGB, 0x00FFFFFF), "png"));
        assertThat((double) x[0]).isCloseTo(128 / 127.5 - 1, within(1e-6));
    }

    @Test
    void jpegDecodes() {
        float[] x = rgb.apply(TestImages.encode(TestImages.filled(8, 8, BufferedImage.TYPE_INT_RGB, 0x2040C0), "jpg"));
        assertThat((double) x[0]).isCloseTo(0x20 / 127.5 - 1, within(0.05));
        assertThat((double) x[128]).isCloseTo(0xC0 / 127.5 - 1, within(0.05));
    }

    @Test
    void resizesTheShortSideByAreaAndCropsTheCentre() {
        // 32 x 64: left half black, right half white; short side 32 -> 16, long 64 -> 32, centre crop 16
        BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 32; y++) {
            for (int x = 32; x < 64; x++) {
                img.getRaster().setSample(x, y, 0, 255);
            }
        }
        float[] x = grey.apply(TestImages.encode(img, "png"));
        float[] row = Arrays.copyOfRange(x, 0, 16);
        assertThat(row[0]).isEqualTo(-1f);
        assertThat(row[7]).isEqualTo(-1f);
        assertThat(row[8]).isEqualTo(1f);
        assertThat(row[15]).isEqualTo(1f);
    }

    @Test
    void areaWeightsAverageFractionalFootprints() {
        double[][] w = Resampling.area(3, 2); // each output covers 1.5 input pixels
        assertThat(w[0]).containsExactly(2 / 3.0, 1 / 3.0, 0.0);
        assertThat(w[1]).containsExactly(0.0, 1 / 3.0, 2 / 3.0);
    }

    @Test
    void refusesTruncatedPng() {
        byte[] png = TestImages.encode(TestImages.grey(16, 16, 200), "png");
        assertRefused(grey, Arrays.copyOf(png, png.length / 2), Code.CORRUPT_IMAGE);
    }

    @Test
    void refusesWrongMagicBytes() {
        byte[] gif = "GIF89a....................".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertRefused(grey, gif, Code.UNSUPPORTED_IMAGE_FORMAT);
    }

    @Test
    void refusesZeroByZeroImage() {
        assertRefused(grey, TestImages.pngHeaderOnly(0, 0), Code.BAD_IMAGE_DIMENSIONS);
    }

    @Test
    void refusesDecompressionBombFromItsHeaderAlone() {
        // 100,000 x 100,000 claimed, no pixel data at all: refused before any decoding
        assertRefused(grey, TestImages.pngHeaderOnly(100_000, 100_000), Code.BAD_IMAGE_DIMENSIONS);
    }

    @Test
    void refusesImagesOverTheByteLimit() {
        Preprocessor small = new Preprocessor(GREY16, new ImageLimits(100, 1_000_000));
        assertRefused(small, TestImages.encode(TestImages.filled(64, 64, BufferedImage.TYPE_INT_RGB, 0x123456), "jpg"),
                Code.IMAGE_TOO_LARGE);
    }

    @Test
    void refusesEmptyBytes() {
        assertRefused(grey, new byte[0], Code.CORRUPT_IMAGE);
    }

    private static void assertRefused(Preprocessor p, byte[] bytes, Code code) {
        assertThatThrownBy(() -> p.apply(bytes))
                .isInstanceOf(ClassificationException.class)
                .satisfies(e -> assertThat(((ClassificationException) e).code()).isEqualTo(code))
                .hasMessageNotContaining("null");
    }
}
