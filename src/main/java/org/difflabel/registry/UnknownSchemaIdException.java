package org.difflabel.registry;

import org.difflabel.contracts.ErrorCode;

/** A payload naming a schema id the registry does not have (HTTP 404, error code 40403). */
public class UnknownSchemaIdException extends BadPayloadException {
    private final int schemaId;

    public UnknownSchemaIdException(int schemaId, String registryMessage) {
        super("schema id " + schemaId + " is not in the registry: " + registryMessage);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }

    @Override
    public ErrorCode errorCode() {
        return ErrorCode.UNKNOWN_SCHEMA_ID;
    }
}
