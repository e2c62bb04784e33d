package org.difflabel.images;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.util.Locale;

import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_BAD_REDIRECT;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_FORBIDDEN;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_NOT_ALLOWED;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_NOT_FOUND;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_REFUSED;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_TOO_MANY_REDIRECTS;

/**
 * http(s) references. Redirects are followed here, not by the connection, so that every hop is
 * checked like the first: its host on the allowlist, its addresses allowed, no downgrade from
 * https, at most {@code maxRedirects} of them. No proxy is used (a proxy would resolve the name
 * where the address checks cannot see it).
 */
final class HttpSource {
    private final FetchSettings settings;
    private final AddressGuard addresses;

    HttpSource(FetchSettings settings, AddressGuard addresses) {
        this.settings = settings;
        this.addresses = addresses;
    }

    byte[] fetch(URI first) {
        if (!settings.hostAllowed(first.getHost())) {
            throw new ImageFetchException(IMAGE_REF_NOT_ALLOWED, "image host " + first.getHost()
                    + " is not on labeler.image.reference.allowed-hosts" + (settings.allowedHosts().isEmpty()
                    ? " (empty: references are refused)" : ""));
        }
        URI uri = first;
        for (int redirects = 0; ; redirects++) {
            addresses.check(uri.getHost());
            HttpURLConnection c = open(uri);
            boolean read = false;
            try {
                int status = c.getResponseCode();
                if (status >= 300 && status < 400 && status != 304) {
                    uri = next(uri, c.getHeaderField("Location"), redirects);
                    continue;
                }
                if (status == 200) {
                    // refused by its declared length before the body is opened; disconnect() then drops it
                    BoundedBytes.checkDeclared(c.getContentLengthLong(), settings.maxBytes(), Redacted.uri(uri));
                    try (InputStream in = c.getInputStream()) {
                        byte[] body = BoundedBytes.read(in, c.getContentLengthLong(), settings.maxBytes(), settings.maxPixels(),
                                Redacted.uri(uri));
                        read = true;
                        return body;
                    }
                }
                throw failure(status, uri);
            } catch (IOException e) {
                throw new ImageStoreUnavailableException("reading " + Redacted.uri(uri) + " failed: " + e, e);
            } finally {
                if (!read) {
                    c.disconnect(); // drops a body left unread (an oversized one) instead of draining it
                }
            }
        }
    }

    private HttpURLConnection open(URI uri) {
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            c.setInstanceFollowRedirects(false);
            c.setConnectTimeout((int) settings.connectTimeout().toMillis());
            c.setReadTimeout((int) settings.readTimeout().toMillis());
            c.setUseCaches(false);
            c.setRequestProperty("Accept", "image/png, image/jpeg");
            return c;
        } catch (IOException | IllegalArgumentException e) {
            throw new ImageFetchException(ImageFetchException.Code.IMAGE_REF_BAD_URI,
                    "not a usable http(s) reference: " + Redacted.uri(uri));
        }
    }

    private URI next(URI from, String location, int redirectsSoFar) {
        if (redirectsSoFar >= settings.maxRedirects()) {
            throw new ImageFetchException(IMAGE_REF_TOO_MANY_REDIRECTS, Redacted.uri(from) + ": more than "
                    + settings.maxRedirects() + " redirects (labeler.image.reference.max-redirects)");
        }
        if (location == null || location.isBlank()) {
            throw new ImageFetchException(IMAGE_REF_BAD_REDIRECT, Redacted.uri(from) + ": a redirect without a location");
        }
        URI to;
        try {
            to = from.resolve(location.trim());
        } catch (IllegalArgumentException e) {
            throw new ImageFetchException(IMAGE_REF_BAD_REDIRECT, Redacted.uri(from) + ": an unparseable redirect");
        }
        String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || "https".equalsIgnoreCase(from.getScheme())
                && scheme.equals("http")) {
            throw new ImageFetchException(IMAGE_REF_BAD_REDIRECT, Redacted.uri(from) + " redirects to " + scheme
                    + ": only http(s), and never from https to http");
        }
        if (!settings.hostAllowed(to.getHost())) {
            throw new ImageFetchException(IMAGE_REF_BAD_REDIRECT, Redacted.uri(from) + " redirects to host " + to.getHost()
                    + ", which is not on labeler.image.reference.allowed-hosts");
        }
        return to;
    }

    private static RuntimeException failure(int status, URI uri) {
        String what = Redacted.uri(uri) + " answered " + status;
        if (status == 404 || status == 410) {
            return new ImageFetchException(IMAGE_REF_NOT_FOUND, what);
        }
        if (status == 401 || status == 403) {
            return new ImageFetchException(IMAGE_REF_FORBIDDEN, what);
        }
        if (status == 408 || status == 425 || status == 429 || status >= 500) {
            return new ImageStoreUnavailableException(what, null);
        }
        return new ImageFetchException(IMAGE_REF_REFUSED, what);
    }
}
