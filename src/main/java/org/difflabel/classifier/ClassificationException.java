package org.difflabel.classifier;

/**
 * A request the classifier cannot serve, with a code from a closed set so callers (the command
 * line, the stream worker's dead-letter queue) can route it without parsing messages.
 */
public class ClassificationException extends RuntimeException {

    /** Why a request was refused. */
    public enum Code {
        /** No labels were given. */
        EMPTY_VOCABULARY,
        /** More labels than the configured maximum. */
        VOCABULARY_TOO_LARGE,
        /** The same label twice. */
        DUPLICATE_LABEL,
        /** A label a class-conditional model has no class for. */
        UNKNOWN_LABEL,
        /** A prompt the tokenizer cannot encode (unknown word, too long). */
        BAD_PROMPT,
        /** Image bytes over the configured maximum. */
        IMAGE_TOO_LARGE,
        /** Width x height over the configured maximum, or zero. */
        BAD_IMAGE_DIMENSIONS,
        /** Not a PNG or JPEG. */
        UNSUPPORTED_IMAGE_FORMAT,
        /** A PNG/JPEG that does not decode (truncated, corrupt). */
        CORRUPT_IMAGE,
        /** The model failed while running (ONNX Runtime error). */
        INFERENCE_FAILED,
        /** Label priors that are negative, not finite, or leave no probability mass. */
        BAD_PRIORS
    }

    private final Code code;

    public ClassificationException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public ClassificationException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
