package org.difflabel.registry;

import java.nio.ByteBuffer;

/**
 * Confluent Schema Registry wire format: magic byte 0, the writer schema's registry id as a
 * 4-byte big-endian int, then the Avro binary encoding of the record.
 */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_LENGTH = 5;

    private WireFormat() {
    }

    /** The 5-byte header announcing {@code schemaId}. */
    public static byte[] header(int schemaId) {
        return ByteBuffer.allocate(HEADER_LENGTH).put(MAGIC_BYTE).putInt(schemaId).array();
    }

    /**
     * The writer schema id of a framed payload.
     *
     * @throws ShortHeaderException     when the payload has fewer than 5 bytes
     * @throws WrongMagicByteException  when it does not start with the magic byte
     */
    public static int schemaId(byte[] payload) {
        if (payload.length < HEADER_LENGTH) {
            throw new ShortHeaderException(payload.length);
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new WrongMagicByteException(payload[0]);
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
