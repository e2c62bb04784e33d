package org.difflabel.registry;

import org.difflabel.contracts.ErrorCode;

/** A payload whose Avro body does not decode with its writer schema (truncated, garbled, trailing bytes). */
public class CorruptPayloadException extends BadPayloadException {
    private final int schemaId;

    public CorruptPayloadException(int schemaId, String problem, Throwable cause) {
        super("Avro body written with schema id " + schemaId + " does not decode: " + problem, cause);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }

    @Override
    public ErrorCode errorCode() {
        return ErrorCode.CORRUPT_AVRO;
    }
}
