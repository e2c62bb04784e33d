package org.difflabel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rule for every contract: a later field is optional with a default. The registry enforces
 * it (BACKWARD), and readers on either side of such a change read each other's data.
 */
class SchemaEvolutionIT {
    private static final Schema CURRENT = ImageEvent.getClassSchema();
    private static final Schema WITH_OPTIONAL_FIELD = withField(CURRENT, new Schema.Field("sourceUri",
            Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
            "Where the producer got the image, if anywhere.", Schema.Field.NULL_DEFAULT_VALUE));
    private static final Schema WITH_REQUIRED_FIELD = withField(CURRENT, new Schema.Field("tenant",
            Schema.create(Schema.Type.STRING), "Owner of the request."));

    private final RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
    private String topic;
    private String subject;
    private byte[] currentPayload;

    @BeforeEach
    void registerTheCurrentSchema() {
        topic = SampleRecords.uniqueTopic("images.requested");
        subject = topic + "-value";
        currentPayload = AvroWireSerializer.forValues(registry, ImageEvent.class).serialize(topic, SampleRecords.imageEvent());
    }

    @Test
    void registryRunsWithBackwardCompatibility() {
        assertThat(registry.compatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
    }

    @Test
    void acceptsNewOptionalField() {
        assertThat(registry.lookup(subject, WITH_OPTIONAL_FIELD)).isEmpty();
        assertThat(registry.isCompatible(subject, WITH_OPTIONAL_FIELD)).isTrue();

        int newId = registry.register(subject, WITH_OPTIONAL_FIELD);

        assertThat(newId).isNotEqualTo(WireFormat.schemaId(currentPayload));
        assertThat(registry.lookup(subject, WITH_OPTIONAL_FIELD)).hasValue(newId);
    }

    @Test
    void refusesNewRequiredField() {
        assertThat(registry.isCompatible(subject, WITH_REQUIRED_FIELD)).isFalse();
        assertThatThrownBy(() -> registry.register(subject, WITH_REQUIRED_FIELD))
                .isInstanceOfSatisfying(RegistryRequestException.class, e -> assertThat(e.status()).isEqualTo(409));
    }

    @Test
    void globalLevelNoneLetsTheRequiredFieldThrough() {
        registry.setCompatibility(CompatibilityLevel.NONE);
        try {
            assertThat(registry.compatibility()).isEqualTo(CompatibilityLevel.NONE);
            assertThat(registry.isCompatible(subject, WITH_REQUIRED_FIELD)).isTrue();
        } finally {
            registry.setCompatibility(CompatibilityLevel.BACKWARD);
        }
        assertThat(registry.isCompatible(subject, WITH_REQUIRED_FIELD)).isFalse();
    }

    @Test
    void acceptsAnythingOnANewSubject() {
        assertThat(registry.isCompatible(SampleRecords.uniqueTopic("fresh") + "-value", WITH_REQUIRED_FIELD)).isTrue();
    }

    @Test
    void oldReaderReadsDataOfTheNewSchema() throws IOException {
        int newId = registry.register(subject, WITH_OPTIONAL_FIELD);
        GenericRecord newEvent = read(currentPayload, CURRENT, WITH_OPTIONAL_FIELD);
        newEvent.put("sourceUri", "s3://images/cat.png");
        byte[] newPayload = frame(newId, WITH_OPTIONAL_FIELD, newEvent);

        ImageEvent decoded = new AvroWireDeserializer<>(registry, ImageEvent.class).deserialize(topic, newPayload);

        assertThat(decoded).isEqualTo(SampleRecords.imageEvent());
    }

    @Test
    void newReaderReadsDataOfTheOldSchema() throws IOException {
        Schema writer = registry.schemaById(WireFormat.schemaId(currentPayload));

        GenericRecord decoded = read(currentPayload, writer, WITH_OPTIONAL_FIELD);

        assertThat(decoded.get("sourceUri")).isNull();
        assertThat(decoded.get("eventId")).hasToString(SampleRecords.imageEvent().getEventId());
        assertThat(decoded.get("producedAt")).isEqualTo(SampleRecords.PRODUCED_AT.toEpochMilli());
    }

    private static Schema withField(Schema base, Schema.Field extra) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : base.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(extra);
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    private static GenericRecord read(byte[] payload, Schema writer, Schema reader) throws IOException {
        return new GenericDatumReader<GenericRecord>(writer, reader).read(null, DecoderFactory.get()
                .binaryDecoder(payload, WireFormat.HEADER_LENGTH, payload.length - WireFormat.HEADER_LENGTH, null));
    }

    private static byte[] frame(int schemaId, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(WireFormat.header(schemaId));
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
