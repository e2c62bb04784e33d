package org.difflabel.testsupport;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;

/** Answers of the JDK's test HTTP servers (image stores in the images-by-reference tests). */
public final class HttpAnswers {
    private HttpAnswers() {
    }

    /** {@code status} with {@code body} (none when empty). */
    public static void answer(HttpExchange x, int status, byte[] body) throws IOException {
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    /** A 302 to {@code location}. */
    public static void redirect(HttpExchange x, String location) throws IOException {
        x.getResponseHeaders().add("Location", location);
        x.sendResponseHeaders(302, -1);
        x.close();
    }
}
