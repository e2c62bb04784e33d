package org.difflabel.images;

/**
 * The image store could not be read just now (a timeout, a refused connection, 5xx, throttling),
 * after the retries inside the record: the reference is fine, the store is not. Like an unreachable
 * schema registry this is transient: the record is processed again, never skipped or dead-lettered.
 */
public final class ImageStoreUnavailableException extends RuntimeException {
    public ImageStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
