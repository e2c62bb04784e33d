package org.difflabel.images;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where images by reference may come from and how they are read ({@code labeler.image.reference.*}
 * and {@code labeler.image.max-bytes}, bound in {@code LabelerConfig}). {@link #NONE} refuses every
 * reference: allowlists are opt-in.
 *
 * @param allowedHosts         hosts of http(s) references, and of every redirect (exact names, case-insensitive)
 * @param allowedBuckets       buckets of s3 references
 * @param allowLoopback        let hosts resolve to loopback addresses (tests, a sidecar)
 * @param allowPrivateNetworks let hosts resolve to private addresses (a store inside the cluster)
 * @param fileRoot             the one folder file:// references may read under; empty: file:// refused
 * @param maxBytes             the largest image, as for inline images
 * @param maxPixels            the largest width x height, as for inline images (checked from the header while reading)
 * @param maxAttempts          tries of a read the store answers with a transient failure, inside the record
 * @param retryBackoff         the first pause between tries, doubled up to {@code maxRetryBackoff}
 * @param s3                   the S3 (or S3-compatible) service
 */
public record FetchSettings(Set<String> allowedHosts, Set<String> allowedBuckets, boolean allowLoopback,
                            boolean allowPrivateNetworks, Optional<Path> fileRoot, long maxBytes, long maxPixels,
                            Duration connectTimeout, Duration readTimeout, int maxRedirects, int maxAttempts,
                            Duration retryBackoff, Duration maxRetryBackoff, S3 s3) {

    /**
     * @param endpoint        empty: AWS's own endpoint for the region; set for S3-compatible stores
     * @param accessKeyId     empty (with the secret): the default credentials provider chain
     */
    public record S3(Optional<URI> endpoint, String region, boolean pathStyle, Optional<String> accessKeyId,
                     Optional<String> secretAccessKey) {
        public static final S3 DEFAULT = new S3(Optional.empty(), "us-east-1", false, Optional.empty(), Optional.empty());

        @Override
        public String toString() { // never the secret
            return "S3[endpoint=" + endpoint.map(URI::toString).orElse("AWS") + ", region=" + region + ", pathStyle="
                    + pathStyle + ", credentials=" + (accessKeyId.isPresent() ? "static" : "default chain") + "]";
        }
    }

    /** Every reference refused. */
    public static final FetchSettings NONE = new FetchSettings(Set.of(), Set.of(), false, false, Optional.empty(),
            20L << 20, 4096L * 4096L, Duration.ofSeconds(2), Duration.ofSeconds(10), 3, 4, Duration.ofMillis(200), Duration.ofSeconds(5),
            S3.DEFAULT);

    public FetchSettings {
        allowedHosts = lower(allowedHosts);
        allowedBuckets = Set.copyOf(allowedBuckets);
        fileRoot = fileRoot.map(p -> p.toAbsolutePath().normalize());
        if (maxBytes < 1 || maxPixels < 1 || maxAttempts < 1 || maxRedirects < 0) {
            throw new IllegalArgumentException("labeler.image.reference: max-bytes and max-attempts must be >= 1,"
                    + " max-redirects >= 0");
        }
    }

    public FetchSettings withAllowedHosts(String... hosts) {
        return new FetchSettings(Set.of(hosts), allowedBuckets, allowLoopback, allowPrivateNetworks, fileRoot, maxBytes,
                maxPixels, connectTimeout, readTimeout, maxRedirects, maxAttempts, retryBackoff, maxRetryBackoff, s3);
    }

    public FetchSettings withAllowedBuckets(String... buckets) {
        return new FetchSettings(allowedHosts, Set.of(buckets), allowLoopback, allowPrivateNetworks, fileRoot, maxBytes,
                maxPixels, connectTimeout, readTimeout, maxRedirects, maxAttempts, retryBackoff, maxRetryBackoff, s3);
    }

    public FetchSettings withAllowLoopback(boolean allow) {
        return new FetchSettings(allowedHosts, allowedBuckets, allow, allowPrivateNetworks, fileRoot, maxBytes,
                maxPixels, connectTimeout, readTimeout, maxRedirects, maxAttempts, retryBackoff, maxRetryBackoff, s3);
    }

    public FetchSettings withFileRoot(Path root) {
        return new FetchSettings(allowedHosts, allowedBuckets, allowLoopback, allowPrivateNetworks, Optional.of(root),
                maxBytes, maxPixels, connectTimeout, readTimeout, maxRedirects, maxAttempts, retryBackoff, maxRetryBackoff, s3);
    }

    public FetchSettings withMaxBytes(long max) {
        return new FetchSettings(allowedHosts, allowedBuckets, allowLoopback, allowPrivateNetworks, fileRoot, max,
                maxPixels, connectTimeout, readTimeout, maxRedirects, maxAttempts, retryBackoff, maxRetryBackoff, s3);
    }

    public FetchSettings withMaxPixels(long max) {
        return new FetchSettings(allowedHosts, allowedBuckets, allowLoopback, allowPrivateNetworks, fileRoot, maxBytes,
                max, connectTimeout, readTimeout, maxRedirects, maxAttempts, retryBackoff, maxRetryBackoff, s3);
    }

    public FetchSettings withTimeouts(Duration connect, Duration read) {
        return new FetchSettings(allowedHosts, allowedBuckets, allowLoopback, allowPrivateNetworks, fileRoot, maxBytes, maxPixels,
                connect, read, maxRedirects, maxAttempts, retryBackoff, maxRetryBackoff, s3);
    }

    public FetchSettings withRetries(int attempts, Duration backoff) {
        return new FetchSettings(allowedHosts, allowedBuckets, allowLoopback, allowPrivateNetworks, fileRoot, maxBytes,
                maxPixels, connectTimeout, readTimeout, maxRedirects, attempts, backoff, maxRetryBackoff, s3);
    }

    public FetchSettings withS3(S3 s3) {
        return new FetchSettings(allowedHosts, allowedBuckets, allowLoopback, allowPrivateNetworks, fileRoot, maxBytes,
                maxPixels, connectTimeout, readTimeout, maxRedirects, maxAttempts, retryBackoff, maxRetryBackoff, s3);
    }

    boolean hostAllowed(String host) {
        return host != null && allowedHosts.contains(host.toLowerCase(Locale.ROOT));
    }

    private static Set<String> lower(Set<String> hosts) {
        return hosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }
}
