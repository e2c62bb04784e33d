package org.difflabel.registry;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.PipelineStage;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Images by reference changed three contracts by the compatibility rules: {@code ImageEvent} and
 * {@code ReviewTask} gained an optional {@code imageUri}, {@code DeadLetter} a stage and eleven codes.
 * The registry accepts each new schema over the one before it (BACKWARD); a new reader reads old
 * records as inline images; a reader still on the old schemas reads a by-reference event as an
 * event with an empty image (which an old worker dead-letters as CORRUPT_IMAGE: nothing crashes,
 * nothing is lost), and the new codes and stage as INTERNAL_ERROR and UNKNOWN.
 */
class ImageReferenceEvolutionIT {
    private final RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));

    private static final Schema NEW_EVENT = ImageEvent.getClassSchema();
    private static final Schema OLD_EVENT = withoutField(NEW_EVENT, "imageUri");
    private static final Schema NEW_TASK = ReviewTask.getClassSchema();
    private static final Schema OLD_TASK = withoutField(NEW_TASK, "imageUri");
    private static final Schema NEW_DEAD = DeadLetter.getClassSchema();
    private static final Schema OLD_DEAD = new Schema.Parser().parse(NEW_DEAD.toString()
            .replace(",\"FETCH\"]", "]")
            .replaceAll(",\"IMAGE_REF_[A-Z_]+\"", ""));

    @Test
    void theRegistryAcceptsEachNewSchemaOverTheOldOne() {
        for (var pair : List.of(List.of(OLD_EVENT, NEW_EVENT), List.of(OLD_TASK, NEW_TASK), List.of(OLD_DEAD, NEW_DEAD))) {
            String subject = SampleRecords.uniqueTopic("evolution") + "-value";
            registry.register(subject, pair.get(0));
            assertThat(registry.isCompatible(subject, pair.get(1))).as(pair.get(1).getName()).isTrue();
        }
        assertThat(OLD_DEAD.getField("errorCode").schema().getEnumSymbols()).doesNotContain("IMAGE_REF_NOT_FOUND");
    }

    @Test
    void anOldEventReadsAsAnInlineImage() throws Exception {
        ImageEvent inline = event(new byte[]{1, 2, 3}, null);
        ImageEvent read = readNew(write(inline, OLD_EVENT), OLD_EVENT, ImageEvent.class);
        assertThat(read.getImageUri()).isNull();
        assertThat(read.getImage()).isEqualTo(ByteBuffer.wrap(new byte[]{1, 2, 3}));
    }

    @Test
    void anOldReaderSeesAnEventByReferenceAsOneWithAnEmptyImage() throws Exception {
        ImageEvent byReference = event(new byte[0], "s3://images/digits/7.png");
        GenericRecord old = readGeneric(write(byReference, NEW_EVENT), NEW_EVENT, OLD_EVENT);
        assertThat(old.hasField("imageUri")).isFalse();
        assertThat(((ByteBuffer) old.get("image")).remaining()).isZero();
        assertThat(old.get("eventId").toString()).isEqualTo("e-1");
    }

    @Test
    void anOldReaderSeesTheNewCodesAsTheirDefaults() throws Exception {
        DeadLetter d = DeadLetter.newBuilder().setSource(new Lineage("images.requested", 0, 5L, Instant.now()))
                .setEventId("e-1").setStage(PipelineStage.FETCH).setErrorCode(ErrorCode.IMAGE_REF_NOT_FOUND)
                .setMessage("s3://images/x.png: 404 NoSuchKey").setFailedAt(Instant.now()).build();
        GenericRecord old = readGeneric(write(d, NEW_DEAD), NEW_DEAD, OLD_DEAD);
        assertThat(old.get("errorCode").toString()).isEqualTo("INTERNAL_ERROR");
        assertThat(old.get("stage").toString()).isEqualTo("UNKNOWN");
        assertThat(old.get("message").toString()).contains("NoSuchKey");
    }

    private static ImageEvent event(byte[] image, String uri) {
        return ImageEvent.newBuilder().setEventId("e-1").setImage(ByteBuffer.wrap(image)).setImageUri(uri)
                .setContentType("image/png").setLabels(List.of("7", "1")).setPromptTemplate(null).setLabelPriors(null)
                .setMetadata(Map.of()).setProducedAt(Instant.now()).build();
    }

    private static <T extends SpecificRecord> byte[] write(T record, Schema writer) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        // the new fields were appended, so an old writer's fields keep their positions
        new SpecificDatumWriter<T>(writer, SpecificData.getForClass(record.getClass())).write(record, e);
        e.flush();
        return out.toByteArray();
    }

    private static <T extends SpecificRecord> T readNew(byte[] body, Schema writer, Class<T> type) throws Exception {
        var reader = new org.apache.avro.specific.SpecificDatumReader<T>(type);
        reader.setSchema(writer);
        return reader.read(null, DecoderFactory.get().binaryDecoder(body, null));
    }

    private static GenericRecord readGeneric(byte[] body, Schema writer, Schema reader) throws Exception {
        return new GenericDatumReader<GenericRecord>(writer, reader).read(null,
                DecoderFactory.get().binaryDecoder(body, null));
    }

    private static Schema withoutField(Schema base, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            if (!f.name().equals(name)) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }
}
