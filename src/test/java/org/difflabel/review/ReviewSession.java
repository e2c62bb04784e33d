package org.difflabel.review;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A signed-in reviewer's HTTP session (cookies, CSRF token), without a browser: for API-level checks. */
final class ReviewSession {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");
    private final String base;
    private final HttpClient http;
    private String csrf;

    private ReviewSession(String base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    static ReviewSession anonymous(String base) {
        return new ReviewSession(base, HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build());
    }

    static ReviewSession signIn(String base, String user, String password) throws Exception {
        ReviewSession s = anonymous(base);
        HttpResponse<String> r = s.send(HttpRequest.newBuilder(URI.create(base + "/j_security_check"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=" + enc(user) + "&j_password=" + enc(password))));
        if (r.statusCode() != 302 || !r.headers().firstValue("location").orElse("").endsWith("/review")) {
            throw new IllegalStateException("sign-in of " + user + " failed: " + r.statusCode() + " " + r.headers().map());
        }
        return s;
    }

    /** The CSRF token of the session, from the review page (null while the page cannot be had). */
    private String csrf() throws IOException, InterruptedException {
        if (csrf == null) {
            Matcher m = CSRF.matcher(get("/review").body());
            csrf = m.find() ? m.group(1) : null;
        }
        return csrf;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    HttpResponse<byte[]> getBytes(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> postJson(String path, String json) throws IOException, InterruptedException {
        return postJson(path, json, true);
    }

    HttpResponse<String> postJson(String path, String json, boolean withCsrf) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (withCsrf) {
            String token = csrf();
            if (token == null) {
                throw new IllegalStateException("no CSRF token on /review");
            }
            b.header("X-CSRF-TOKEN", token);
        }
        return send(b);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
