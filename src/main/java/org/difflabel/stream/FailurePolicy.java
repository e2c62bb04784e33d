package org.difflabel.stream;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.difflabel.images.ImageStoreUnavailableException;
import org.difflabel.registry.RegistryRequestException;
import org.difflabel.registry.RegistryUnavailableException;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * What a failure while labelling one record means, decided by its type. Bad input is not a
 * failure here: the classifier and the deserializer refuse it with a code, and it is
 * dead-lettered at once. What remains is either
 * <ul>
 *   <li><b>transient</b>: the registry, the broker or an image store cannot be reached, a timeout. The record is
 *       fine; the exception propagates, the stream thread is replaced and the record processed
 *       again ({@link RetryOnFailure}). Never skipped, never dead-lettered.</li>
 *   <li><b>per record</b>: anything else (a native error on one odd image, a bug). It is tried
 *       again inside the record, up to {@code labeler.worker.max-record-attempts} attempts in all;
 *       one that still fails is dead-lettered as {@code INTERNAL_ERROR} with the exception's summary
 *       and the partition moves on, instead of stopping it forever.</li>
 * </ul>
 * JVM errors (out of memory and the like) are neither: they propagate.
 */
public final class FailurePolicy {
    private final int maxAttempts;

    public FailurePolicy(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max-record-attempts must be >= 1, got " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** Whether {@code e} (or what caused it) says the record is fine and the infrastructure is not. */
    public static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RegistryUnavailableException || t instanceof ImageStoreUnavailableException
                    || t instanceof RetriableException
                    || t instanceof TimeoutException || t instanceof IOException || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The authentication or authorisation failure behind {@code e}, or null: a wrong password, an
     * untrusted certificate, a missing ACL, at the broker or at the schema registry (401, 403).
     * Retrying cannot fix these.
     */
    public static Throwable accessDenied(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException || t instanceof AuthorizationException
                    || t instanceof RegistryRequestException r && (r.status() == 401 || r.status() == 403)) {
                return t;
            }
        }
        return null;
    }

    /** One line for the dead letter: the exception type and message, and where it was thrown. */
    public static String summary(Throwable e, int attempts) {
        StackTraceElement[] at = e.getStackTrace();
        return String.format("failed %d times: %s: %s%s", attempts, e.getClass().getName(), e.getMessage(),
                at.length == 0 ? "" : " (at " + at[0] + ")");
    }
}
