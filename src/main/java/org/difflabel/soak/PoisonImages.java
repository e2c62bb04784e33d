package org.difflabel.soak;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Encoded images an operator meets in the wild, built in memory with the JDK's encoders or byte by
 * byte: odd but valid files (16-bit, palette with transparency, CMYK), lying headers, a
 * decompression bomb, truncations and formats the worker does not take.
 */
public final class PoisonImages {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PoisonImages() {
    }

    /** The first half of a valid image: the header reads, the pixels do not. */
    public static byte[] truncated(byte[] valid) {
        return Arrays.copyOf(valid, valid.length / 2);
    }

    /** A PNG signature and an IHDR claiming {@code w x h} 8-bit grey pixels, and no pixel data. */
    public static byte[] pngHeaderOnly(long w, long h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        chunk(out, "IHDR", ihdr(w, h, 8, 0));
        return out.toByteArray();
    }

    /**
     * A real, complete PNG of {@code side x side} black 8-bit grey pixels: a few tens of KiB that
     * inflate to {@code side^2} bytes (8192: 64 MiB) in a decoder that trusts it.
     */
    public static byte[] decompressionBomb(int side) {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION))) {
            byte[] row = new byte[side + 1]; // filter byte 0, then zeros
            for (int y = 0; y < side; y++) {
                z.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        chunk(out, "IHDR", ihdr(side, side, 8, 0));
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A baseline JPEG of {@code w x h} grey pixels whose frame header is rewritten to claim {@code claimW x claimH}. */
    public static byte[] jpegClaiming(int claimW, int claimH) {
        byte[] jpeg = encode(grey(16, 16, 128), "jpeg");
        for (int i = 2; i + 8 < jpeg.length; i++) {
            // SOF0: FF C0, length (2), precision (1), height (2), width (2)
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 5] = (byte) (claimH >> 8);
                jpeg[i + 6] = (byte) claimH;
                jpeg[i + 7] = (byte) (claimW >> 8);
                jpeg[i + 8] = (byte) claimW;
                return jpeg;
            }
        }
        throw new IllegalStateException("the JDK's JPEG has no SOF0 marker");
    }

    /** A 28x28 16-bit greyscale PNG (a bright square on black). */
    public static byte[] png16Bit() {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 8; y < 20; y++) {
            for (int x = 8; x < 20; x++) {
                img.getRaster().setSample(x, y, 0, 60000);
            }
        }
        return encode(img, "png");
    }

    /** A 28x28 palette PNG with a transparent entry (tRNS): a white square on transparent. */
    public static byte[] palettePngWithTransparency() {
        IndexColorModel cm = new IndexColorModel(8, 2, new byte[] {0, (byte) 255}, new byte[] {0, (byte) 255},
                new byte[] {0, (byte) 255}, new byte[] {0, (byte) 255});
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_INDEXED, cm);
        for (int y = 8; y < 20; y++) {
            for (int x = 8; x < 20; x++) {
                img.getRaster().setSample(x, y, 0, 1);
            }
        }
        return encode(img, "png");
    }

    /**
     * A 28x28 four-channel (CMYK, no colour profile) JPEG, as print workflows write them: a band of
     * black ink on white, the samples stored inverted (255: no ink) as Adobe's CMYK JPEGs store them
     * and as the JDK's reader takes a four-channel JPEG to be.
     */
    public static byte[] cmykJpeg() {
        WritableRaster raster = Raster.createBandedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 28, 28, 4, null);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                for (int band = 0; band < 3; band++) {
                    raster.setSample(x, y, band, 255); // no cyan, magenta, yellow
                }
                raster.setSample(x, y, 3, (x > 8 && x < 20) ? 0 : 255); // black ink in a band
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
             ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(raster, null, null), null);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    /** A real two-frame looping GIF89a (NETSCAPE2.0 extension). */
    public static byte[] animatedGif() {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
             ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (int frame = 0; frame < 2; frame++) {
                BufferedImage img = grey(28, 28, frame == 0 ? 0 : 255);
                ImageTypeSpecifier type = ImageTypeSpecifier.createFromRenderedImage(img);
                IIOMetadata meta = writer.getDefaultImageMetadata(type, null);
                String format = meta.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
                IIOMetadataNode apps = new IIOMetadataNode("ApplicationExtensions");
                IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
                loop.setAttribute("applicationID", "NETSCAPE");
                loop.setAttribute("authenticationCode", "2.0");
                loop.setUserObject(new byte[] {1, 0, 0}); // loop forever
                apps.appendChild(loop);
                root.appendChild(apps);
                meta.mergeTree(format, root);
                writer.writeToSequence(new IIOImage(img, null, meta), null);
            }
            writer.endWriteSequence();
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    /** Text that is no image at all. */
    public static byte[] notAnImage() {
        return "<html><body>404 Not Found</body></html>".getBytes(StandardCharsets.US_ASCII);
    }

    /** An 8-bit greyscale image whose raster holds {@code value} (no colour-space conversion). */
    public static BufferedImage grey(int w, int h, int value) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, value);
            }
        }
        return img;
    }

    static byte[] encode(BufferedImage img, String format) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no " + format + " writer for this image");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] ihdr(long w, long h, int depth, int colourType) {
        return ByteBuffer.allocate(13).putInt((int) w).putInt((int) h).put((byte) depth).put((byte) colourType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        try {
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(data.length);
            d.write(name);
            d.write(data);
            d.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
