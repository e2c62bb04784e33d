package org.difflabel.images;

/**
 * Width and height from the first bytes of a PNG (IHDR) or JPEG (the first SOF segment), so the
 * pixel limit can be applied while an image by reference is still arriving, as it is applied to an
 * inline image before decoding. Anything else, or a header not complete yet, is unknown here (the
 * classifier's own checks then apply to the whole image, as to inline ones).
 */
final class ImageHeader {
    private ImageHeader() {
    }

    /** {width, height}, or null while {@code b[0..len)} does not (yet) show them. */
    static long[] dimensions(byte[] b, int len) {
        if (len >= 24 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[12] == 'I' && b[13] == 'H' && b[14] == 'D' && b[15] == 'R') {
            return new long[]{u32(b, 16), u32(b, 20)};
        }
        if (len >= 4 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8) {
            int i = 2;
            while (i + 4 <= len) {
                if ((b[i] & 0xff) != 0xff) {
                    return null; // not a marker where one belongs: leave it to the decoder
                }
                int marker = b[i + 1] & 0xff;
                if (marker == 0xff) {
                    i++; // fill byte
                    continue;
                }
                int segment = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
                boolean sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
                if (sof) {
                    if (i + 9 > len) {
                        return null;
                    }
                    long height = ((b[i + 5] & 0xff) << 8) | (b[i + 6] & 0xff);
                    long width = ((b[i + 7] & 0xff) << 8) | (b[i + 8] & 0xff);
                    return new long[]{width, height};
                }
                i += 2 + segment;
            }
        }
        return null;
    }

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
