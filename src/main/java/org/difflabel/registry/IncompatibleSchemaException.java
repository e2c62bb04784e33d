package org.difflabel.registry;

import org.difflabel.contracts.ErrorCode;

/**
 * A payload written with a registered schema that the expected type cannot read (e.g. another
 * contract produced to the wrong topic): its bytes are intact, but not what this topic carries.
 */
public class IncompatibleSchemaException extends BadPayloadException {
    private final int schemaId;

    public IncompatibleSchemaException(int schemaId, String writerName, String readerName, String problem) {
        super("schema id " + schemaId + " (" + writerName + ") cannot be read as " + readerName + ": " + problem);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }

    @Override
    public ErrorCode errorCode() {
        return ErrorCode.DESERIALIZATION_FAILED;
    }
}
