package org.difflabel.registry;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads Confluent wire-format payloads into a generated Avro class: the writer schema comes from
 * the registry by the payload's id, the reader schema is the class's own, and Avro's schema
 * resolution bridges the two (older and newer writers alike). Thread-safe.
 *
 * <p>Every failure of the payload itself is a {@link BadPayloadException}; an unreachable registry
 * is a {@link RegistryUnavailableException}.
 *
 * @param <T> the generated record class
 */
public class AvroWireDeserializer<T extends SpecificRecord> {
    private final RegistryClient registry;
    private final Class<T> type;
    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readerByWriterId = new ConcurrentHashMap<>();

    public AvroWireDeserializer(RegistryClient registry, Class<T> type) {
        this.registry = registry;
        this.type = type;
        this.readerSchema = new SpecificDatumReader<>(type).getExpected();
    }

    /**
     * The record in {@code payload}, or null for a null payload (a tombstone).
     *
     * @param topic the record's topic; the payload's schema id alone decides how it is read
     * @throws BadPayloadException          when the payload cannot be read
     * @throws RegistryUnavailableException when its writer schema cannot be fetched now
     */
    public T deserialize(String topic, byte[] payload) {
        if (payload == null) {
            return null;
        }
        int schemaId = WireFormat.schemaId(payload);
        SpecificDatumReader<T> reader = readerFor(schemaId);
        BoundedDecoder decoder = new BoundedDecoder(payload, WireFormat.HEADER_LENGTH,
                payload.length - WireFormat.HEADER_LENGTH);
        T record;
        boolean consumedAll;
        try {
            record = reader.read(null, decoder);
            consumedAll = decoder.isEnd();
        } catch (IOException | RuntimeException e) {
            // Avro reports garbled input as EOF, AvroRuntimeException, or index/size errors
            throw new CorruptPayloadException(schemaId, String.valueOf(e), e);
        }
        if (!consumedAll) {
            throw new CorruptPayloadException(schemaId, "bytes left after the record", null);
        }
        return record;
    }

    private SpecificDatumReader<T> readerFor(int schemaId) {
        SpecificDatumReader<T> reader = readerByWriterId.get(schemaId);
        if (reader != null) {
            return reader;
        }
        Schema writerSchema = registry.schemaById(schemaId);
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new IncompatibleSchemaException(schemaId, writerSchema.getFullName(), readerSchema.getFullName(),
                    compatibility.getDescription());
        }
        // built from the class, not the schema, so the reader uses that class's loader (see PLATFORM.md)
        reader = new SpecificDatumReader<>(type);
        reader.setSchema(writerSchema);
        readerByWriterId.putIfAbsent(schemaId, reader);
        return reader;
    }
}
