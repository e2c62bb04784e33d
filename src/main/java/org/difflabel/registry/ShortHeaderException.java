package org.difflabel.registry;

import org.difflabel.contracts.ErrorCode;

/** A payload shorter than the 5-byte wire-format header (magic byte and schema id). */
public class ShortHeaderException extends BadPayloadException {

    public ShortHeaderException(int length) {
        super("payload of " + length + " bytes is shorter than the " + WireFormat.HEADER_LENGTH
                + "-byte wire-format header");
    }

    @Override
    public ErrorCode errorCode() {
        return ErrorCode.DESERIALIZATION_FAILED;
    }
}
