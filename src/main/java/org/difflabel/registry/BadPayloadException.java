package org.difflabel.registry;

import org.difflabel.contracts.ErrorCode;

/**
 * A record value whose bytes cannot be read: retrying will never help, so the stream routes the
 * record to the dead-letter queue with {@link #errorCode()}. A registry that cannot be reached is
 * not this (see {@link RegistryUnavailableException}).
 */
public abstract class BadPayloadException extends RuntimeException {

    protected BadPayloadException(String message) {
        super(message);
    }

    protected BadPayloadException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The dead-letter code for this failure. */
    public abstract ErrorCode errorCode();
}
