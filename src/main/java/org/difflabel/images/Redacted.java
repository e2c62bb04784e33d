package org.difflabel.images;

import java.net.URI;

/** A reference as it may appear in a message or a log line: no user info, no query (presigned signatures). */
final class Redacted {
    private Redacted() {
    }

    static String uri(URI u) {
        if (u == null) {
            return "null";
        }
        String host = u.getHost() == null ? "" : u.getHost();
        String port = u.getPort() < 0 ? "" : ":" + u.getPort();
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        return u.getScheme() + "://" + host + port + path + (u.getRawQuery() == null ? "" : "?...");
    }

    static String uri(String u) {
        try {
            return uri(URI.create(u));
        } catch (IllegalArgumentException e) {
            return "(unparseable reference)";
        }
    }
}
