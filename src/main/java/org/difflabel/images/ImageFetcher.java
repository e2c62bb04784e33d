package org.difflabel.images;

import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;

import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_AND_BYTES;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_BAD_URI;

/**
 * Reads images given by reference ({@code ImageEvent.imageUri}): s3://, https://, http:// and
 * file://, under {@link FetchSettings}' allowlists and limits. A refusal that retrying cannot change
 * is an {@link ImageFetchException} (dead-lettered with its code); a store that cannot be read just
 * now is tried again with backoff, {@code maxAttempts} times in all, and then reported as
 * {@link ImageStoreUnavailableException} (transient: the record is processed again). Safe to share
 * between threads. The worker and the review UI use the same one, so a reviewer's browser is only
 * ever served bytes the worker would have read.
 */
public final class ImageFetcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ImageFetcher.class);

    private final FetchSettings settings;
    private final HttpSource http;
    private final S3Source s3;
    private final FileSource files;

    public ImageFetcher(FetchSettings settings) {
        this.settings = settings;
        this.http = new HttpSource(settings, new AddressGuard(settings.allowLoopback(), settings.allowPrivateNetworks()));
        this.s3 = new S3Source(settings);
        this.files = new FileSource(settings);
    }

    /** A fetcher that refuses every reference (no allowlist): inline images only. */
    public static ImageFetcher none() {
        return new ImageFetcher(FetchSettings.NONE);
    }

    public FetchSettings settings() {
        return settings;
    }

    /**
     * The image of an event: its inline bytes, or the bytes its reference names; exactly one of the
     * two (an event with both is refused; one with neither is handed on empty and refused by the
     * image checks, as before references existed).
     */
    public byte[] imageOf(ByteBuffer inline, String uri) {
        boolean hasBytes = inline != null && inline.remaining() > 0;
        if (uri == null) {
            return hasBytes ? bytes(inline) : new byte[0];
        }
        if (hasBytes) {
            throw new ImageFetchException(IMAGE_REF_AND_BYTES, "the event has both image bytes and imageUri: exactly one");
        }
        return fetch(uri);
    }

    /** The bytes {@code reference} names, after the retries of a store that cannot be read just now. */
    public byte[] fetch(String reference) {
        URI uri = parse(reference);
        Duration pause = settings.retryBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                return fetchOnce(uri);
            } catch (ImageStoreUnavailableException e) {
                if (attempt >= settings.maxAttempts()) {
                    throw new ImageStoreUnavailableException("image store unavailable after " + attempt + " attempts: "
                            + e.getMessage(), e.getCause() == null ? e : e.getCause());
                }
                LOG.debugf("image %s: attempt %d of %d failed (%s); again in %d ms", Redacted.uri(uri), attempt,
                        settings.maxAttempts(), e.getMessage(), pause.toMillis());
                sleep(pause, e);
                pause = pause.multipliedBy(2).compareTo(settings.maxRetryBackoff()) > 0 ? settings.maxRetryBackoff()
                        : pause.multipliedBy(2);
            }
        }
    }

    private byte[] fetchOnce(URI uri) {
        return switch (uri.getScheme().toLowerCase(Locale.ROOT)) {
            case "s3" -> s3.fetch(uri);
            case "https", "http" -> http.fetch(uri);
            case "file" -> files.fetch(uri);
            default -> throw new ImageFetchException(IMAGE_REF_BAD_URI, "scheme " + uri.getScheme()
                    + " is not supported (s3, https, http, file)");
        };
    }

    private static URI parse(String reference) {
        try {
            URI uri = new URI(reference.trim());
            if (uri.getScheme() == null || uri.isOpaque()) {
                throw new ImageFetchException(IMAGE_REF_BAD_URI, "not an absolute URI with a scheme: "
                        + Redacted.uri(reference));
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && (uri.getHost() == null || uri.getHost().isEmpty())) {
                throw new ImageFetchException(IMAGE_REF_BAD_URI, "an http(s) reference without a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ImageFetchException(IMAGE_REF_BAD_URI, "not a URI: " + e.getReason());
        }
    }

    private static void sleep(Duration pause, ImageStoreUnavailableException e) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    /** The media type a browser may be given for {@code bytes}, from their signature (never from the store's word). */
    public static String contentType(byte[] bytes) {
        if (bytes.length >= 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G') {
            return "image/png";
        }
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        return "application/octet-stream";
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    @Override
    public void close() {
        s3.close();
    }
}
