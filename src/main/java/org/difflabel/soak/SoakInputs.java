package org.difflabel.soak;

import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.Lineage;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Good events and the serializers poison is made with: the sample images, the model's labels, the input topic. */
public final class SoakInputs implements Poison.Inputs {
    private final String topic;
    private final List<byte[]> samples;
    private final List<String> labels;
    private final int maxLabels;
    private final AvroWireSerializer<ImageEvent> events;
    private final AvroWireSerializer<Lineage> other;

    public SoakInputs(RegistryClient registry, String topic, List<byte[]> samples, List<String> labels, int maxLabels) {
        this.topic = topic;
        this.samples = List.copyOf(samples);
        this.labels = List.copyOf(labels);
        this.maxLabels = maxLabels;
        this.events = AvroWireSerializer.forValues(registry, ImageEvent.class);
        this.other = AvroWireSerializer.forValues(registry, Lineage.class);
    }

    /** A valid event: the sample chosen by the id, every label of the model. */
    @Override
    public ImageEvent.Builder goodEvent(String eventId) {
        byte[] image = samples.get(Math.floorMod(eventId.hashCode(), samples.size()));
        return ImageEvent.newBuilder().setEventId(eventId).setImage(ByteBuffer.wrap(image)).setContentType("image/png")
                .setLabels(labels).setPromptTemplate(null).setLabelPriors(null).setMetadata(Map.of())
                .setProducedAt(Instant.now()).setImageUri(null);
    }

    @Override
    public byte[] sampleImage() {
        return samples.get(0);
    }

    @Override
    public byte[] serialize(ImageEvent event) {
        return events.serialize(topic, event);
    }

    @Override
    public byte[] serializeOther(Lineage record) {
        // a subject of its own: registering Lineage under the input's subject would fail its compatibility check
        return other.serialize(topic + ".soak-other", record);
    }

    @Override
    public int maxLabels() {
        return maxLabels;
    }
}
