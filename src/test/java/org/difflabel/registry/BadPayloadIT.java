package org.difflabel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each way a payload can be unreadable raises its own exception type, all of them
 * {@link BadPayloadException}s with their dead-letter code; an unreachable registry does not.
 */
class BadPayloadIT {
    private static final String TOPIC = SampleRecords.uniqueTopic("images.requested");
    private static RegistryClient registry;
    private static AvroWireDeserializer<ImageEvent> deserializer;
    /** 2^30 - 1 as an Avro zig-zag varint. */
    private static final byte[] HUGE_VARINT = {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
    private static byte[] valid;

    @BeforeAll
    static void writeOneValidEvent() {
        registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        deserializer = new AvroWireDeserializer<>(registry, ImageEvent.class);
        valid = AvroWireSerializer.forValues(registry, ImageEvent.class).serialize(TOPIC, SampleRecords.imageEvent());
    }

    @Test
    void readsTheValidEvent() {
        assertThat(deserializer.deserialize(TOPIC, valid)).isEqualTo(SampleRecords.imageEvent());
    }

    @Test
    void rejectsWrongMagicByte() {
        byte[] payload = valid.clone();
        payload[0] = 1;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, payload))
                .isInstanceOfSatisfying(WrongMagicByteException.class, e -> {
                    assertThat(e.found()).isEqualTo((byte) 1);
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.WRONG_MAGIC_BYTE);
                });
    }

    @Test
    void rejectsPayloadShorterThanTheHeader() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 0, 1}))
                .isInstanceOfSatisfying(ShortHeaderException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.DESERIALIZATION_FAILED))
                .hasMessageContaining("4 bytes");
    }

    @Test
    void rejectsSchemaIdTheRegistryDoesNotHave() {
        byte[] payload = valid.clone();
        System.arraycopy(WireFormat.header(987_654_321), 0, payload, 0, WireFormat.HEADER_LENGTH);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, payload))
                .isInstanceOfSatisfying(UnknownSchemaIdException.class, e -> {
                    assertThat(e.schemaId()).isEqualTo(987_654_321);
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.UNKNOWN_SCHEMA_ID);
                });
    }

    @Test
    void rejectsTruncatedBody() {
        byte[] truncated = Arrays.copyOf(valid, valid.length - 3);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, truncated))
                .isInstanceOfSatisfying(CorruptPayloadException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.CORRUPT_AVRO));
    }

    @Test
    void rejectsBytesAfterTheRecord() {
        byte[] padded = Arrays.copyOf(valid, valid.length + 2);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, padded))
                .isInstanceOf(CorruptPayloadException.class)
                .hasMessageContaining("bytes left after the record");
    }

    @Test
    void rejectsGarbledBody() {
        byte[] garbled = body(new byte[] {0x01}); // zig-zag -1: a negative length for eventId

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, garbled))
                .isInstanceOf(CorruptPayloadException.class)
                .hasMessageContaining("string length -1");
    }

    @Test
    void rejectsLengthFarBeyondThePayloadWithoutAllocatingIt() {
        // eventId announcing 2^30 - 1 bytes in a 10-byte payload
        byte[] payload = body(HUGE_VARINT);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, payload))
                .isInstanceOf(CorruptPayloadException.class)
                .hasMessageContaining("string length 1073741823 with 0 bytes left");
    }

    @Test
    void rejectsItemCountFarBeyondThePayloadWithoutAllocatingIt() {
        // empty eventId, image and contentType, then labels announcing 2^30 - 1 items
        byte[] payload = body(new byte[] {0, 0, 0}, HUGE_VARINT);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, payload))
                .isInstanceOf(CorruptPayloadException.class)
                .hasMessageContaining("array block of 1073741823 with 0 bytes left");
    }

    @Test
    void rejectsAnotherContractOnTheTopic() {
        byte[] posterior = AvroWireSerializer.forValues(registry, LabelPosterior.class)
                .serialize(SampleRecords.uniqueTopic("labels.scored"), SampleRecords.labelPosterior());

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, posterior))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.DESERIALIZATION_FAILED))
                .hasMessageContaining("LabelPosterior").hasMessageContaining("ImageEvent");
    }

    @Test
    void unreachableRegistryIsNotABadPayload() {
        RegistryClient unreachable = new RegistryClient(RegistrySettings.of("http://127.0.0.1:" + closedPort())
                .withRetries(2, Duration.ofMillis(10), Duration.ofMillis(20)));

        assertThatThrownBy(() -> new AvroWireDeserializer<>(unreachable, ImageEvent.class).deserialize(TOPIC, valid))
                .isInstanceOf(RegistryUnavailableException.class)
                .isNotInstanceOf(BadPayloadException.class)
                .hasMessageContaining("after 3 attempts");
    }

    /** A payload framed with the valid event's schema id around {@code parts}. */
    private static byte[] body(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Arrays.copyOf(valid, WireFormat.HEADER_LENGTH));
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
