package org.difflabel.registry;

import org.difflabel.contracts.ErrorCode;

/** A payload that does not start with the wire format's magic byte 0: not written by a registry-aware serializer. */
public class WrongMagicByteException extends BadPayloadException {
    private final byte found;

    public WrongMagicByteException(byte found) {
        super(String.format("first byte is 0x%02x, not the wire-format magic byte 0x00", found));
        this.found = found;
    }

    public byte found() {
        return found;
    }

    @Override
    public ErrorCode errorCode() {
        return ErrorCode.WRONG_MAGIC_BYTE;
    }
}
