package org.difflabel.review;

/** The queue cannot answer now (not started, restoring from Kafka, registry unreachable): try again shortly. */
public class QueueUnavailableException extends RuntimeException {
    public QueueUnavailableException(String message) {
        super(message);
    }
}
