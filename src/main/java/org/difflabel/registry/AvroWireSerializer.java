package org.difflabel.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes generated Avro records in the Confluent wire format, with the schema id of the record's
 * class schema under the topic's subject. Thread-safe.
 *
 * @param <T> the generated record class
 */
public class AvroWireSerializer<T extends SpecificRecord> {
    private final RegistryClient registry;
    private final Schema schema;
    private final SpecificDatumWriter<T> writer;
    private final SubjectNamingStrategy naming;
    private final boolean isKey;
    private final boolean autoRegister;
    private final Map<String, Integer> idBySubject = new ConcurrentHashMap<>();

    /**
     * @param isKey        whether this serializes record keys ({@code <topic>-key}) or values
     * @param autoRegister register the schema on first use; when false it must already be
     *                     registered (deployments that register contracts ahead of the workers)
     */
    public AvroWireSerializer(RegistryClient registry, Class<T> type, SubjectNamingStrategy naming, boolean isKey,
                              boolean autoRegister) {
        this.registry = registry;
        this.writer = new SpecificDatumWriter<>(type);
        this.schema = writer.getSpecificData().getSchema(type);
        this.naming = naming;
        this.isKey = isKey;
        this.autoRegister = autoRegister;
    }

    /** Values under {@code <topic>-value}, registering the schema on first use. */
    public static <T extends SpecificRecord> AvroWireSerializer<T> forValues(RegistryClient registry, Class<T> type) {
        return new AvroWireSerializer<>(registry, type, SubjectNamingStrategy.TOPIC_NAME, false, true);
    }

    /** The framed bytes of {@code record}, or null for a null record (a tombstone). */
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        String subject = naming.subject(topic, isKey);
        Integer id = idBySubject.get(subject);
        if (id == null) {
            id = schemaId(subject);
            idBySubject.putIfAbsent(subject, id);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(WireFormat.header(id));
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array stream does not fail", e);
        }
        return out.toByteArray();
    }

    private int schemaId(String subject) {
        if (autoRegister) {
            return registry.register(subject, schema);
        }
        return registry.lookup(subject, schema).orElseThrow(() -> new IllegalStateException(
                "schema " + schema.getFullName() + " is not registered under " + subject
                        + " and auto-registration is off"));
    }
}
