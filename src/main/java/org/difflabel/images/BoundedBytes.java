package org.difflabel.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an image body under the same byte limit as inline images: refused from its declared
 * length before a byte is read, and again while reading (a store that declares nothing, or lies),
 * so an oversized object is never held in memory beyond the limit.
 */
final class BoundedBytes {
    private BoundedBytes() {
    }

    /** @param declared the length the store announced, or -1 */
    static byte[] read(InputStream in, long declared, long maxBytes, String what) throws IOException {
        checkDeclared(declared, maxBytes, what);
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 8192), maxBytes));
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) != -1; ) {
            total += n;
            if (total > maxBytes) {
                throw new ImageFetchException(ImageFetchException.Code.IMAGE_REF_TOO_LARGE,
                        what + " is over the limit of " + maxBytes + " bytes (labeler.image.max-bytes): stopped reading");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    static void checkDeclared(long declared, long maxBytes, String what) {
        if (declared > maxBytes) {
            throw new ImageFetchException(ImageFetchException.Code.IMAGE_REF_TOO_LARGE,
                    what + " has " + declared + " bytes, over the limit of " + maxBytes
                            + " bytes (labeler.image.max-bytes): not downloaded");
        }
    }
}
