package org.difflabel.registry;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How to reach a schema registry.
 *
 * @param url            base URL of the Confluent-compatible API, e.g. {@code http://registry:8081}
 *                       or Apicurio's {@code http://registry:8080/apis/ccompat/v7}
 * @param username       basic-auth user, or null for none
 * @param password       basic-auth password (used with username)
 * @param sslContext     TLS trust and key material for an https URL, or null for the JVM default
 * @param connectTimeout time allowed to open a connection
 * @param requestTimeout time allowed for one request's answer
 * @param maxRetries     retries after the first attempt, on network errors and 5xx answers only
 * @param initialBackoff wait before the first retry; doubled before each next one
 * @param maxBackoff     longest wait between retries
 */
public record RegistrySettings(URI url, String username, String password, SSLContext sslContext,
                               Duration connectTimeout, Duration requestTimeout, int maxRetries,
                               Duration initialBackoff, Duration maxBackoff) {

    public RegistrySettings {
        Objects.requireNonNull(url, "url");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
        }
    }

    /** {@code url} with no auth, default TLS, 5 s connect / 10 s request timeouts, 3 retries from 200 ms up to 5 s. */
    public static RegistrySettings of(String url) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return new RegistrySettings(URI.create(base), null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(10),
                3, Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    /** Without the password, so settings can be logged. */
    @Override
    public String toString() {
        return "RegistrySettings[url=" + url + ", username=" + username + ", tls=" + (sslContext != null)
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
                + ", maxRetries=" + maxRetries + ", backoff=" + initialBackoff + ".." + maxBackoff + "]";
    }

    public RegistrySettings withBasicAuth(String user, String secret) {
        return new RegistrySettings(url, user, secret, sslContext, connectTimeout, requestTimeout, maxRetries,
                initialBackoff, maxBackoff);
    }

    public RegistrySettings withSslContext(SSLContext context) {
        return new RegistrySettings(url, username, password, context, connectTimeout, requestTimeout, maxRetries,
                initialBackoff, maxBackoff);
    }

    public RegistrySettings withMaxRetries(int retries) {
        return new RegistrySettings(url, username, password, sslContext, connectTimeout, requestTimeout, retries,
                initialBackoff, maxBackoff);
    }

    public RegistrySettings withTimeouts(Duration connect, Duration request) {
        return new RegistrySettings(url, username, password, sslContext, connect, request, maxRetries,
                initialBackoff, maxBackoff);
    }

    public RegistrySettings withRetries(int retries, Duration initial, Duration max) {
        return new RegistrySettings(url, username, password, sslContext, connectTimeout, requestTimeout, retries,
                initial, max);
    }
}
