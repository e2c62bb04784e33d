package org.difflabel.model;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/** Encoded images for tests, built in memory with the JDK's encoders or byte by byte. */
final class TestImages {
    private TestImages() {
    }

    static byte[] encode(BufferedImage img, String format) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no " + format + " writer");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A type-{@code type} image filled with one ARGB colour. */
    static BufferedImage filled(int w, int h, int type, int argb) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, argb);
            }
        }
        return img;
    }

    /** An 8-bit greyscale image whose raster holds {@code value} (no colour-space conversion). */
    static BufferedImage grey(int w, int h, int value) {
        return org.difflabel.soak.PoisonImages.grey(w, h, value);
    }

    /** A palette image with two entries; every pixel uses entry 1. */
    static BufferedImage palette(int w, int h, int r, int g, int b) {
        IndexColorModel cm = new IndexColorModel(1, 2, new byte[] {0, (byte) r}, new byte[] {0, (byte) g},
                new byte[] {0, (byte) b});
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY, cm);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, 1);
            }
        }
        return img;
    }

    /** A PNG made of a valid signature and IHDR claiming {@code w x h}, and no pixel data at all. */
    static byte[] pngHeaderOnly(long w, long h) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ihdr.putInt((int) w).putInt((int) h).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        png.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        return png.array();
    }
}
