package org.difflabel.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an image body under the same byte and pixel limits as inline images: refused from its
 * declared length before a byte is read, again while reading (a store that declares nothing, or
 * lies), and as soon as its PNG or JPEG header shows more pixels than allowed, so an oversized
 * object is never held in memory beyond the limit.
 */
final class BoundedBytes {
    private BoundedBytes() {
    }

    /** Where the pixel limit can no longer be checked from the header while reading (a JPEG with large metadata first). */
    private static final int HEADER_WINDOW = 64 * 1024;

    /**
     * @param declared  the length the store announced, or -1
     * @param maxPixels width x height allowed, checked from the PNG or JPEG header as soon as it has arrived
     */
    static byte[] read(InputStream in, long declared, long maxBytes, long maxPixels, String what) throws IOException {
        checkDeclared(declared, maxBytes, what);
        Buffer out = new Buffer((int) Math.min(Math.max(declared, 8192), maxBytes));
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        boolean headerChecked = false;
        for (int n; (n = in.read(buf)) != -1; ) {
            total += n;
            if (total > maxBytes) {
                throw new ImageFetchException(ImageFetchException.Code.IMAGE_REF_TOO_LARGE,
                        what + " is over the limit of " + maxBytes + " bytes (labeler.image.max-bytes): stopped reading");
            }
            out.write(buf, 0, n);
            if (!headerChecked) {
                long[] wh = ImageHeader.dimensions(out.bytes(), out.size());
                headerChecked = wh != null || out.size() >= HEADER_WINDOW;
                if (wh != null && wh[0] * wh[1] > maxPixels) {
                    throw new ImageFetchException(ImageFetchException.Code.IMAGE_REF_TOO_LARGE, what + " is " + wh[0]
                            + " x " + wh[1] + " pixels, over the limit of " + maxPixels
                            + " (labeler.image.max-pixels): stopped reading");
                }
            }
        }
        return out.toByteArray();
    }

    /** A ByteArrayOutputStream whose bytes can be looked at without a copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        byte[] bytes() {
            return buf;
        }
    }

    static void checkDeclared(long declared, long maxBytes, String what) {
        if (declared > maxBytes) {
            throw new ImageFetchException(ImageFetchException.Code.IMAGE_REF_TOO_LARGE,
                    what + " has " + declared + " bytes, over the limit of " + maxBytes
                            + " bytes (labeler.image.max-bytes): not downloaded");
        }
    }
}
