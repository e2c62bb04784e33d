package org.difflabel.soak;

import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.Lineage;
import org.difflabel.registry.WireFormat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Kinds of bad (or merely odd) input a worker meets, each with what the worker does with it: a
 * dead letter with a given code, or a posterior when the input is odd but fine. The outcomes are
 * read from the worker's code (deserializer, vocabulary checks, image reference rules,
 * preprocessing, priors) for a class-conditional model with nothing allowed by reference; the soak
 * run checks exactly these.
 */
public enum Poison {
    // the record cannot be read as an ImageEvent (stage DESERIALIZE)
    WRONG_MAGIC_BYTE("a valid event whose first byte is 1, not the wire format's 0", ErrorCode.WRONG_MAGIC_BYTE,
            (id, in) -> {
                byte[] b = in.serialize(in.goodEvent(id).build());
                b[0] = 1;
                return b;
            }),
    SHORT_HEADER("3 bytes: shorter than the 5-byte header", ErrorCode.DESERIALIZATION_FAILED,
            (id, in) -> new byte[] {0, 0, 0}),
    UNKNOWN_SCHEMA_ID("a valid body behind a schema id the registry does not have", ErrorCode.UNKNOWN_SCHEMA_ID,
            (id, in) -> {
                byte[] b = in.serialize(in.goodEvent(id).build());
                System.arraycopy(WireFormat.header(0x7FFF_FF00), 0, b, 0, WireFormat.HEADER_LENGTH);
                return b;
            }),
    OTHER_RECORD_SCHEMA("a Lineage record with its own registered schema: not readable as an ImageEvent",
            ErrorCode.DESERIALIZATION_FAILED,
            (id, in) -> in.serializeOther(new Lineage("elsewhere", 0, 42L, Instant.now()))),
    TRUNCATED_AVRO("a valid event without its last 3 bytes", ErrorCode.CORRUPT_AVRO, (id, in) -> {
        byte[] b = in.serialize(in.goodEvent(id).build());
        return Arrays.copyOf(b, b.length - 3);
    }),
    TRAILING_BYTES("a valid event with 4 bytes after the record", ErrorCode.CORRUPT_AVRO, (id, in) -> {
        byte[] b = in.serialize(in.goodEvent(id).build());
        return ByteBuffer.allocate(b.length + 4).put(b).putInt(0xCAFEBABE).array();
    }),
    GARBLED_AVRO("a valid header then 64 bytes of 0xFF: varints that never end, lengths beyond the payload",
            ErrorCode.CORRUPT_AVRO, (id, in) -> {
                byte[] b = Arrays.copyOf(in.serialize(in.goodEvent(id).build()), WireFormat.HEADER_LENGTH + 64);
                Arrays.fill(b, WireFormat.HEADER_LENGTH, b.length, (byte) 0xFF);
                return b;
            }),
    TOMBSTONE("a null value", ErrorCode.DESERIALIZATION_FAILED, (id, in) -> null),

    // the event reads but is invalid (stage VALIDATE)
    EMPTY_VOCABULARY("no labels", ErrorCode.EMPTY_VOCABULARY,
            (id, in) -> in.serialize(in.goodEvent(id).setLabels(List.of()).build())),
    HUGE_VOCABULARY("labeler.model.max-labels + 1 labels", ErrorCode.VOCABULARY_TOO_LARGE, (id, in) -> {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i <= in.maxLabels(); i++) {
            labels.add("label-" + i);
        }
        return in.serialize(in.goodEvent(id).setLabels(labels).build());
    }),
    DUPLICATE_LABEL("the first label twice", ErrorCode.DUPLICATE_LABEL, (id, in) -> {
        ImageEvent.Builder e = in.goodEvent(id);
        List<String> labels = new ArrayList<>(e.getLabels());
        labels.add(labels.get(0));
        return in.serialize(e.setLabels(labels).build());
    }),
    UNKNOWN_LABEL("a label the class model has no class for ('cat')", ErrorCode.UNKNOWN_LABEL, (id, in) -> {
        ImageEvent.Builder e = in.goodEvent(id);
        List<String> labels = new ArrayList<>(e.getLabels());
        labels.add("cat");
        return in.serialize(e.setLabels(labels).build());
    }),
    BLANK_LABEL("a label of one space (class model: an unknown label)", ErrorCode.UNKNOWN_LABEL, (id, in) -> {
        ImageEvent.Builder e = in.goodEvent(id);
        List<String> labels = new ArrayList<>(e.getLabels());
        labels.add(" ");
        return in.serialize(e.setLabels(labels).build());
    }),
    NEGATIVE_PRIOR("a prior of -1 on the first label", ErrorCode.BAD_PRIORS, (id, in) -> {
        ImageEvent.Builder e = in.goodEvent(id);
        return in.serialize(e.setLabelPriors(Map.of(e.getLabels().get(0), -1.0)).build());
    }),
    NAN_PRIOR("a prior of NaN on the first label", ErrorCode.BAD_PRIORS, (id, in) -> {
        ImageEvent.Builder e = in.goodEvent(id);
        return in.serialize(e.setLabelPriors(Map.of(e.getLabels().get(0), Double.NaN)).build());
    }),
    ZERO_PRIORS("every label's prior 0: no probability mass left", ErrorCode.BAD_PRIORS, (id, in) -> {
        ImageEvent.Builder e = in.goodEvent(id);
        Map<String, Double> priors = new java.util.HashMap<>();
        e.getLabels().forEach(l -> priors.put(l, 0.0));
        return in.serialize(e.setLabelPriors(priors).build());
    }),
    BYTES_AND_URI("image bytes and an imageUri both", ErrorCode.IMAGE_REF_AND_BYTES,
            (id, in) -> in.serialize(in.goodEvent(id).setImageUri("s3://images/digit.png").build())),

    // a reference the worker refuses (stage FETCH; nothing allowed: every allowlist empty, no file root)
    REF_BUCKET_NOT_ALLOWED("s3://labelling-inbox/x.png, the bucket not on the (empty) allowlist",
            ErrorCode.IMAGE_REF_NOT_ALLOWED, (id, in) -> in.serialize(byReference(in, id, "s3://labelling-inbox/x.png"))),
    REF_CLOUD_METADATA("http://169.254.169.254/latest/meta-data/, the host not on the allowlist",
            ErrorCode.IMAGE_REF_NOT_ALLOWED,
            (id, in) -> in.serialize(byReference(in, id, "http://169.254.169.254/latest/meta-data/"))),
    REF_FILE_WITHOUT_ROOT("file:///etc/passwd with no file root configured", ErrorCode.IMAGE_REF_NOT_ALLOWED,
            (id, in) -> in.serialize(byReference(in, id, "file:///etc/passwd"))),
    REF_UNSUPPORTED_SCHEME("ftp://host/x.png", ErrorCode.IMAGE_REF_BAD_URI,
            (id, in) -> in.serialize(byReference(in, id, "ftp://host/x.png"))),

    // the image is refused before or while decoding (stage PREPROCESS)
    EMPTY_IMAGE("no image bytes and no imageUri", ErrorCode.CORRUPT_IMAGE,
            (id, in) -> in.serialize(in.goodEvent(id).setImage(ByteBuffer.allocate(0)).build())),
    TRUNCATED_PNG("the first half of a sample digit's PNG", ErrorCode.CORRUPT_IMAGE,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.truncated(in.sampleImage()), "image/png"))),
    PNG_0X0("a PNG header claiming 0x0 pixels", ErrorCode.BAD_IMAGE_DIMENSIONS,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.pngHeaderOnly(0, 0), "image/png"))),
    PNG_100K_X_100K("a PNG header claiming 100,000 x 100,000 pixels (over labeler.image.max-pixels)",
            ErrorCode.BAD_IMAGE_DIMENSIONS,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.pngHeaderOnly(100_000, 100_000), "image/png"))),
    DECOMPRESSION_BOMB("a complete 8192 x 8192 PNG of zeros: ~65 KB that inflate to 64 MiB",
            ErrorCode.BAD_IMAGE_DIMENSIONS,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.decompressionBomb(8192), "image/png"))),
    JPEG_65000_X_65000("a JPEG whose frame header claims 65,000 x 65,000 pixels", ErrorCode.BAD_IMAGE_DIMENSIONS,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.jpegClaiming(65_000, 65_000), "image/jpeg"))),
    TRUNCATED_JPEG("the first half of a 64x64 JPEG", ErrorCode.CORRUPT_IMAGE,
            (id, in) -> in.serialize(withImage(in, id,
                    PoisonImages.truncated(PoisonImages.encode(PoisonImages.grey(64, 64, 90), "jpeg")), "image/jpeg"))),
    ANIMATED_GIF("a real two-frame looping GIF", ErrorCode.UNSUPPORTED_IMAGE_FORMAT,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.animatedGif(), "image/gif"))),
    NOT_AN_IMAGE("an HTML error page as the image", ErrorCode.UNSUPPORTED_IMAGE_FORMAT,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.notAnImage(), "image/png"))),

    // odd but valid: scored (the JDK's decoders read these images; a class model ignores prompt templates)
    CMYK_JPEG("a four-channel (CMYK) JPEG without a colour profile", null,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.cmykJpeg(), "image/jpeg"))),
    PNG_16_BIT("a 16-bit greyscale PNG", null,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.png16Bit(), "image/png"))),
    PALETTE_PNG_TRANSPARENT("a palette PNG with a transparent entry (tRNS)", null,
            (id, in) -> in.serialize(withImage(in, id, PoisonImages.palettePngWithTransparency(), "image/png"))),
    TEMPLATE_WITHOUT_LABEL("a prompt template without {label}: ignored by a class model", null,
            (id, in) -> in.serialize(in.goodEvent(id).setPromptTemplate("a photo").build()));

    /** What a poison value is built from: a valid event and the run's serializers. */
    public interface Inputs {
        /** A valid event (a sample image, the model's labels) with id {@code eventId}, to spoil. */
        ImageEvent.Builder goodEvent(String eventId);

        /** A sample image's PNG bytes. */
        byte[] sampleImage();

        /** {@code event} framed under the input topic's subject. */
        byte[] serialize(ImageEvent event);

        /** {@code record} framed under a subject of its own: a schema id the registry has, of another record. */
        byte[] serializeOther(Lineage record);

        /** {@code labeler.model.max-labels}. */
        int maxLabels();
    }

    private final String description;
    private final ErrorCode expected;
    private final BiFunction<String, Inputs, byte[]> value;

    Poison(String description, ErrorCode expected, BiFunction<String, Inputs, byte[]> value) {
        this.description = description;
        this.expected = expected;
        this.value = value;
    }

    public String description() {
        return description;
    }

    /** The dead-letter code the worker gives it, or null when it is scored. */
    public ErrorCode expected() {
        return expected;
    }

    public boolean scored() {
        return expected == null;
    }

    /** The record value (null: a tombstone) of a poison event with id {@code eventId}. */
    public byte[] value(String eventId, Inputs in) {
        return value.apply(eventId, in);
    }

    private static ImageEvent withImage(Inputs in, String id, byte[] image, String contentType) {
        return in.goodEvent(id).setImage(ByteBuffer.wrap(image)).setContentType(contentType).build();
    }

    private static ImageEvent byReference(Inputs in, String id, String uri) {
        return in.goodEvent(id).setImage(ByteBuffer.allocate(0)).setImageUri(uri).build();
    }
}
