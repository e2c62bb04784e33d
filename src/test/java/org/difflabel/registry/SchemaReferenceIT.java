package org.difflabel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Schemas whose nested named types live in subjects of their own, as other producers may
 * register them: the client fetches the references (recursively) before parsing.
 * schemas/DeadLetter.avsc names Lineage without defining it, so its text is such a schema.
 */
class SchemaReferenceIT {
    private final RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
    private String lineageSubject;
    private String deadLetterSubject;
    private int deadLetterId;

    @BeforeEach
    void registerDeadLetterReferringToLineage() throws IOException {
        lineageSubject = SampleRecords.uniqueTopic("org.difflabel.contracts.Lineage");
        deadLetterSubject = SampleRecords.uniqueTopic("images.requested.dlq") + "-value";
        registry.register(lineageSubject, Files.readString(Path.of("schemas/Lineage.avsc")), List.of());
        deadLetterId = registry.register(deadLetterSubject, Files.readString(Path.of("schemas/DeadLetter.avsc")),
                List.of(new SchemaReference("org.difflabel.contracts.Lineage", lineageSubject, 1)));
    }

    @Test
    void fetchesSchemaWithItsReferenceResolved() {
        Schema fetched = registry.schemaById(deadLetterId);

        assertThat(fetched.getField("source").schema().getFullName()).isEqualTo("org.difflabel.contracts.Lineage");
        assertThat(fetched.getField("source").schema().getFields()).extracting(Schema.Field::name)
                .containsExactly("topic", "partition", "offset", "timestamp");
    }

    @Test
    void decodesRecordWrittenWithTheReferringSchema() throws IOException {
        byte[] payload = frame(deadLetterId, SampleRecords.deadLetter());

        DeadLetter decoded = new AvroWireDeserializer<>(registry, DeadLetter.class).deserialize("images.requested.dlq", payload);

        assertThat(decoded).isEqualTo(SampleRecords.deadLetter());
    }

    @Test
    void resolvesReferencesOfReferences() {
        String batch = """
                {"type": "record", "name": "DeadLetterBatch", "namespace": "org.difflabel.test",
                 "fields": [{"name": "letters", "type": {"type": "array", "items": "org.difflabel.contracts.DeadLetter"}}]}
                """;
        int batchId = registry.register(SampleRecords.uniqueTopic("batches") + "-value", batch,
                List.of(new SchemaReference("org.difflabel.contracts.DeadLetter", deadLetterSubject, 1)));

        Schema letter = registry.schemaById(batchId).getField("letters").schema().getElementType();

        assertThat(letter.getFullName()).isEqualTo("org.difflabel.contracts.DeadLetter");
        assertThat(letter.getField("source").schema().getFullName()).isEqualTo("org.difflabel.contracts.Lineage");
    }

    private static byte[] frame(int schemaId, DeadLetter letter) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(WireFormat.header(schemaId));
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new SpecificDatumWriter<>(DeadLetter.class).write(letter, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
