package org.difflabel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.apache.avro.specific.SpecificRecord;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.ReviewTask;
import org.junit.jupiter.api.Test;

/**
 * Every contract through the serializer and back through a deserializer with its own client,
 * against the registry a subclass names.
 */
abstract class ContractRoundTrips {

    /** Base URL of the Confluent-compatible API of the registry under test. */
    abstract String registryUrl();

    private RegistryClient client() {
        return new RegistryClient(RegistrySettings.of(registryUrl()));
    }

    @Test
    void roundTripsImageEvent() {
        assertRoundTrip(ImageEvent.class, SampleRecords.imageEvent(), "images.requested");
    }

    @Test
    void roundTripsImageEventWithoutOptionalFields() {
        ImageEvent minimal = ImageEvent.newBuilder(SampleRecords.imageEvent())
                .setPromptTemplate(null).setLabelPriors(null).build();
        assertRoundTrip(ImageEvent.class, minimal, "images.requested");
    }

    @Test
    void roundTripsLabelPosterior() {
        assertRoundTrip(LabelPosterior.class, SampleRecords.labelPosterior(), "labels.scored");
    }

    @Test
    void roundTripsReviewTask() {
        assertRoundTrip(ReviewTask.class, SampleRecords.reviewTask(), "labels.review");
    }

    @Test
    void roundTripsDeadLetter() {
        assertRoundTrip(DeadLetter.class, SampleRecords.deadLetter(), "images.requested.dlq");
    }

    @Test
    void framesWithMagicByteAndTheIdRegisteredUnderTheValueSubject() {
        String topic = SampleRecords.uniqueTopic("images.requested");
        RegistryClient registry = client();

        byte[] bytes = AvroWireSerializer.forValues(registry, ImageEvent.class).serialize(topic, SampleRecords.imageEvent());

        assertThat(bytes[0]).isEqualTo((byte) 0);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(registry.lookup(topic + "-value", ImageEvent.getClassSchema())).hasValue(id);
    }

    @Test
    void registersKeysUnderTheKeySubject() {
        String topic = SampleRecords.uniqueTopic("labels.review");
        RegistryClient registry = client();

        byte[] bytes = new AvroWireSerializer<>(registry, Lineage.class, SubjectNamingStrategy.TOPIC_NAME, true, true)
                .serialize(topic, SampleRecords.lineage());

        assertThat(registry.lookup(topic + "-key", Lineage.getClassSchema())).hasValue(WireFormat.schemaId(bytes));
        assertThat(registry.lookup(topic + "-value", Lineage.getClassSchema())).isEmpty();
    }

    @Test
    void withoutAutoRegistrationWritesOnlyRegisteredSchemas() {
        String topic = SampleRecords.uniqueTopic("labels.scored");
        RegistryClient registry = client();
        AvroWireSerializer<LabelPosterior> serializer = new AvroWireSerializer<>(registry, LabelPosterior.class,
                SubjectNamingStrategy.TOPIC_NAME, false, false);

        assertThatThrownBy(() -> serializer.serialize(topic, SampleRecords.labelPosterior()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not registered under " + topic + "-value");

        int id = registry.register(topic + "-value", LabelPosterior.getClassSchema());
        assertThat(WireFormat.schemaId(serializer.serialize(topic, SampleRecords.labelPosterior()))).isEqualTo(id);
    }

    private <T extends SpecificRecord> void assertRoundTrip(Class<T> type, T record, String topicBase) {
        String topic = SampleRecords.uniqueTopic(topicBase);

        byte[] bytes = AvroWireSerializer.forValues(client(), type).serialize(topic, record);
        T decoded = new AvroWireDeserializer<>(client(), type).deserialize(topic, bytes);

        assertThat(decoded).isEqualTo(record);
    }
}
