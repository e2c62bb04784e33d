package org.difflabel.registry;

/**
 * The registry could not be reached, or answered with a server error, on every attempt. The
 * record is fine: the stream must fail and retry it later, never dead-letter or drop it, which is
 * why this is not a {@link BadPayloadException}.
 */
public class RegistryUnavailableException extends RuntimeException {

    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
