package org.difflabel.registry;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelSource;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code LabelPosterior} gained {@code labelSource} and {@code reviewerId} (human labels on
 * labels.accepted) by the compatibility rules: the registry accepts the new schema over the one
 * before it (BACKWARD), a new reader reads old records as the model's, and a reader still on the old
 * schema reads a human label.
 */
class HumanLabelEvolutionIT {
    private static final Schema NEW = LabelPosterior.getClassSchema();
    // the schema before human labels (and before budgetLimited, added after them)
    private static final Schema OLD = without(NEW, Set.of("labelSource", "reviewerId", "budgetLimited"));
    private final RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));

    @Test
    void theRegistryAcceptsTheNewSchemaAndBothSidesReadEachOther() throws Exception {
        String topic = SampleRecords.uniqueTopic("labels.accepted");
        String subject = topic + "-value";
        int oldId = registry.register(subject, OLD);
        assertThat(registry.isCompatible(subject, NEW)).isTrue();

        // a record written before the change, read with the new class: the model's label
        LabelPosterior model = SampleRecords.labelPosterior();
        // written with the old schema: the new fields were appended, so the others keep their positions
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<LabelPosterior>(OLD, SpecificData.getForClass(LabelPosterior.class)).write(model, e);
        e.flush();
        byte[] body = out.toByteArray();
        byte[] oldPayload = new byte[5 + body.length];
        System.arraycopy(WireFormat.header(oldId), 0, oldPayload, 0, 5);
        System.arraycopy(body, 0, oldPayload, 5, body.length);
        LabelPosterior read = new AvroWireDeserializer<>(registry, LabelPosterior.class).deserialize(topic, oldPayload);
        assertThat(read.getLabelSource()).isEqualTo(LabelSource.MODEL);
        assertThat(read.getReviewerId()).isNull();
        assertThat(read.getBudgetLimited()).as("records written before budgetLimited read as not limited").isFalse();
        assertThat(read.getTopLabel()).isEqualTo(model.getTopLabel());

        // a human label written now, read by a consumer still on the old schema
        LabelPosterior human = LabelPosterior.newBuilder(model).setLabelSource(LabelSource.HUMAN).setReviewerId("alice")
                .setTopLabel("typed-label").build();
        byte[] newPayload = AvroWireSerializer.forValues(registry, LabelPosterior.class).serialize(topic, human);
        int writerId = WireFormat.schemaId(newPayload);
        Schema writer = registry.schemaById(writerId);
        GenericRecord seenByOld = new GenericDatumReader<GenericRecord>(writer, OLD).read(null,
                DecoderFactory.get().binaryDecoder(newPayload, 5, newPayload.length - 5, null));
        assertThat(seenByOld.get("topLabel").toString()).isEqualTo("typed-label");
        assertThat(seenByOld.hasField("labelSource")).as("the old reader does not see the new field").isFalse();
        assertThat(seenByOld.get("confidence")).isEqualTo(model.getConfidence());
    }

    private static Schema without(Schema base, Set<String> names) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            if (!names.contains(f.name())) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }
}
