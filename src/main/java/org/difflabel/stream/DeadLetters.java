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

    /** The contract's code for a classifier refusal (the two closed sets share their names). */
    static ErrorCode code(ClassificationException e) {
        return ErrorCode.valueOf(e.code().name());
    }

    /** Which stage a classifier refusal belongs to. */
    static PipelineStage stage(ClassificationException e) {
        return switch (e.code()) {
            case EMPTY_VOCABULARY, VOCABULARY_TOO_LARGE, DUPLICATE_LABEL, UNKNOWN_LABEL, BAD_PROMPT -> PipelineStage.VALIDATE;
            case IMAGE_TOO_LARGE, BAD_IMAGE_DIMENSIONS, UNSUPPORTED_IMAGE_FORMAT, CORRUPT_IMAGE -> PipelineStage.PREPROCESS;
            case INFERENCE_FAILED -> PipelineStage.INFERENCE;
        };
    }
}
