package org.difflabel.stream;

import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/**
 * What a stream thread does on a failure that reaches it: by {@link FailurePolicy}, only transient
 * ones do (a registry or broker that cannot be reached; bad data and records that keep failing are
 * dead-lettered inside the processor). The thread is replaced; its open transaction is aborted, so
 * the record is processed again from the last committed offset, never skipped. The registry
 * client's own retries and backoff pace the loop.
 *
 * <p>A rejected login or a refused authorisation (wrong password, untrusted certificate, missing
 * ACL) is not transient: replacing the thread would retry it in a hot loop. The client shuts down
 * instead, with one line that says what to check; health then reports it down.
 */
public final class RetryOnFailure implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = Logger.getLogger(RetryOnFailure.class);

    @Override
    public StreamThreadExceptionResponse handle(Throwable e) {
        Throwable denied = FailurePolicy.accessDenied(e);
        if (denied != null) {
            LOG.errorf("Kafka or the schema registry refused the worker's credentials or permissions (%s: %s):"
                            + " stopping; check labeler.worker.kafka.\"security.protocol\", \"sasl.*\", \"ssl.*\","
                            + " labeler.worker.registry-user/-password and the ACLs",
                    denied.getClass().getSimpleName(), denied.getMessage());
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        LOG.errorf(e, "stream thread failed; replacing it (the record will be processed again)");
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }
}
