package org.difflabel.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoding of one record held in memory that refuses a string, bytes or collection
 * announcing more than the bytes left, before allocating anything. Avro's own decoder allocates
 * first: one garbled length in a 10-byte payload asks for gigabytes, and an OutOfMemoryError
 * would stop the worker on every retry of that record instead of dead-lettering it.
 *
 * <p>Bounding an item count by the bytes left assumes items of at least one byte, which holds
 * for every contract (strings, numbers, enums, records with fields).
 */
final class BoundedDecoder extends Decoder {
    private final ByteArrayInputStream source;
    private final BinaryDecoder in;

    BoundedDecoder(byte[] bytes, int offset, int length) {
        source = new ByteArrayInputStream(bytes, offset, length);
        // a direct decoder reads exactly what it decodes, so source.available() is the bytes left
        in = DecoderFactory.get().directBinaryDecoder(source, null);
    }

    /** Whether every byte has been read. */
    boolean isEnd() {
        return source.available() == 0;
    }

    private long bounded(long n, String what) {
        if (n < 0 || n > source.available()) {
            throw new AvroRuntimeException("malformed data: " + what + " " + n + " with " + source.available()
                    + " bytes left");
        }
        return n;
    }

    private byte[] readLengthPrefixed(String what) throws IOException {
        byte[] bytes = new byte[(int) bounded(in.readLong(), what)];
        in.readFixed(bytes);
        return bytes;
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        return new Utf8(readLengthPrefixed("string length"));
    }

    @Override
    public String readString() throws IOException {
        return new String(readLengthPrefixed("string length"), StandardCharsets.UTF_8);
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        return ByteBuffer.wrap(readLengthPrefixed("bytes length"));
    }

    @Override
    public long readArrayStart() throws IOException {
        return bounded(in.readArrayStart(), "array block of");
    }

    @Override
    public long arrayNext() throws IOException {
        return bounded(in.arrayNext(), "array block of");
    }

    @Override
    public long readMapStart() throws IOException {
        return bounded(in.readMapStart(), "map block of");
    }

    @Override
    public long mapNext() throws IOException {
        return bounded(in.mapNext(), "map block of");
    }

    // the rest allocates nothing from a length in the data: plain delegation

    @Override
    public void readNull() throws IOException {
        in.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return in.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return in.readDouble();
    }

    @Override
    public void skipString() throws IOException {
        in.skipString();
    }

    @Override
    public void skipBytes() throws IOException {
        in.skipBytes();
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        in.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return in.readEnum();
    }

    @Override
    public long skipArray() throws IOException {
        return in.skipArray();
    }

    @Override
    public long skipMap() throws IOException {
        return in.skipMap();
    }

    @Override
    public int readIndex() throws IOException {
        return in.readIndex();
    }
}
