package org.difflabel.stream;

import org.difflabel.classifier.ClassificationException;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.PipelineStage;
import org.difflabel.contracts.Lineage;
import org.difflabel.images.ImageFetchException;

import java.nio.ByteBuffer;
import java.time.Instant;

/** Dead letters: the original bytes, where they came from, which stage failed, a code and a message. */
final class DeadLetters {
    private DeadLetters() {
    }

    static DeadLetter of(byte[] key, byte[] value, Lineage source, String eventId, PipelineStage stage, ErrorCode code,
                         String message) {
        return DeadLetter.newBuilder()
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setSource(source)
                .setEventId(eventId)
                .setStage(stage)
                .setErrorCode(code)
                .setMessage(message == null ? "" : message)
                .setFailedAt(Instant.now())
                .build();
    }

    /** The contract's code for a classifier refusal: an exhaustive switch, so a new classifier code cannot go unmapped. */
    static ErrorCode code(ClassificationException.Code c) {
        return switch (c) {
            case EMPTY_VOCABULARY -> ErrorCode.EMPTY_VOCABULARY;
            case VOCABULARY_TOO_LARGE -> ErrorCode.VOCABULARY_TOO_LARGE;
            case DUPLICATE_LABEL -> ErrorCode.DUPLICATE_LABEL;
            case UNKNOWN_LABEL -> ErrorCode.UNKNOWN_LABEL;
            case BAD_PROMPT -> ErrorCode.BAD_PROMPT;
            case IMAGE_TOO_LARGE -> ErrorCode.IMAGE_TOO_LARGE;
            case BAD_IMAGE_DIMENSIONS -> ErrorCode.BAD_IMAGE_DIMENSIONS;
            case UNSUPPORTED_IMAGE_FORMAT -> ErrorCode.UNSUPPORTED_IMAGE_FORMAT;
            case CORRUPT_IMAGE -> ErrorCode.CORRUPT_IMAGE;
            case INFERENCE_FAILED -> ErrorCode.INFERENCE_FAILED;
            case BAD_PRIORS -> ErrorCode.BAD_PRIORS;
        };
    }

    /** The contract's code for a refused image reference: an exhaustive switch, as for the classifier's codes. */
    static ErrorCode code(ImageFetchException.Code c) {
        return switch (c) {
            case IMAGE_REF_AND_BYTES -> ErrorCode.IMAGE_REF_AND_BYTES;
            case IMAGE_REF_BAD_URI -> ErrorCode.IMAGE_REF_BAD_URI;
            case IMAGE_REF_NOT_ALLOWED -> ErrorCode.IMAGE_REF_NOT_ALLOWED;
            case IMAGE_REF_BLOCKED_ADDRESS -> ErrorCode.IMAGE_REF_BLOCKED_ADDRESS;
            case IMAGE_REF_BAD_REDIRECT -> ErrorCode.IMAGE_REF_BAD_REDIRECT;
            case IMAGE_REF_TOO_MANY_REDIRECTS -> ErrorCode.IMAGE_REF_TOO_MANY_REDIRECTS;
            case IMAGE_REF_OUTSIDE_ROOT -> ErrorCode.IMAGE_REF_OUTSIDE_ROOT;
            case IMAGE_REF_NOT_FOUND -> ErrorCode.IMAGE_REF_NOT_FOUND;
            case IMAGE_REF_FORBIDDEN -> ErrorCode.IMAGE_REF_FORBIDDEN;
            case IMAGE_REF_TOO_LARGE -> ErrorCode.IMAGE_REF_TOO_LARGE;
            case IMAGE_REF_REFUSED -> ErrorCode.IMAGE_REF_REFUSED;
        };
    }

    /** Which stage a refused reference belongs to: the event itself (both bytes and a reference), or the fetch. */
    static PipelineStage stage(ImageFetchException.Code c) {
        return c == ImageFetchException.Code.IMAGE_REF_AND_BYTES ? PipelineStage.VALIDATE : PipelineStage.FETCH;
    }

    /** Which stage a classifier refusal belongs to. */
    static PipelineStage stage(ClassificationException.Code c) {
        return switch (c) {
            case EMPTY_VOCABULARY, VOCABULARY_TOO_LARGE, DUPLICATE_LABEL, UNKNOWN_LABEL, BAD_PROMPT, BAD_PRIORS ->
                    PipelineStage.VALIDATE;
            case IMAGE_TOO_LARGE, BAD_IMAGE_DIMENSIONS, UNSUPPORTED_IMAGE_FORMAT, CORRUPT_IMAGE -> PipelineStage.PREPROCESS;
            case INFERENCE_FAILED -> PipelineStage.INFERENCE;
        };
    }
}
