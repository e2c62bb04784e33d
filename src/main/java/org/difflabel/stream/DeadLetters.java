package org.difflabel.stream;

import org.difflabel.classifier.ClassificationException;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.PipelineStage;
import org.difflabel.contracts.Lineage;

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
