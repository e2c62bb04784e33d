package org.difflabel.review;

/** A batch of decisions did not reach Kafka (nothing of it committed): the caller keeps it and retries. */
public class DecisionsNotSavedException extends RuntimeException {
    public DecisionsNotSavedException(String message, Throwable cause) {
        super(message, cause);
    }
}
