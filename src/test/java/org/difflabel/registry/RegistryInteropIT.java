package org.difflabel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java serde and a client written by others ({@code @kafkajs/confluent-schema-registry} on
 * Node, see interop/) read each other's bytes through the same registry. The build installs the
 * Node client with {@code npm ci}.
 */
class RegistryInteropIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));

    @TempDir
    Path dir;

    @Test
    void javaDecodesImageEventEncodedByNode() throws Exception {
        ImageEvent expected = SampleRecords.imageEvent();
        String topic = SampleRecords.uniqueTopic("images.requested");
        Path eventFile = dir.resolve("event.json");
        Path payloadFile = dir.resolve("event.bin");
        JSON.writeValue(eventFile.toFile(), asNodeInput(expected));

        node("encode-image-event", topic, eventFile.toString(), payloadFile.toString());
        ImageEvent decoded = new AvroWireDeserializer<>(registry, ImageEvent.class)
                .deserialize(topic, Files.readAllBytes(payloadFile));

        assertThat(decoded).isEqualTo(expected);
    }

    @Test
    void nodeDecodesLabelPosteriorEncodedByJava() throws Exception {
        LabelPosterior posterior = SampleRecords.labelPosterior();
        Path payloadFile = dir.resolve("posterior.bin");
        Files.write(payloadFile, AvroWireSerializer.forValues(registry, LabelPosterior.class)
                .serialize(SampleRecords.uniqueTopic("labels.scored"), posterior));

        JsonNode decoded = JSON.readTree(node("decode", payloadFile.toString()));

        assertThat(decoded.get("eventId").asText()).isEqualTo(posterior.getEventId());
        assertThat(decoded.get("seed").asText()).isEqualTo(posterior.getSeed());
        assertThat(decoded.get("decision").asText()).isEqualTo(posterior.getDecision().name());
        assertThat(decoded.get("confidence").asDouble()).isEqualTo(posterior.getConfidence());
        assertThat(decoded.get("evaluations").asLong()).isEqualTo(posterior.getEvaluations());
        assertThat(decoded.get("posterior")).hasSize(posterior.getPosterior().size());
        for (int i = 0; i < posterior.getPosterior().size(); i++) {
            LabelProbability expected = posterior.getPosterior().get(i);
            JsonNode actual = decoded.get("posterior").get(i);
            assertThat(actual.get("label").asText()).isEqualTo(expected.getLabel());
            assertThat(actual.get("probability").asDouble()).isEqualTo(expected.getProbability());
            assertThat(actual.get("meanError").asDouble()).isEqualTo(expected.getMeanError());
            assertThat(actual.get("samples").asInt()).isEqualTo(expected.getSamples());
        }
        assertThat(JSON.convertValue(decoded.get("metadata"), new TypeReference<Map<String, String>>() { }))
                .isEqualTo(posterior.getMetadata());
        assertThat(decoded.get("lineage").get("offset").asLong()).isEqualTo(posterior.getLineage().getOffset());
        assertThat(decoded.get("lineage").get("timestamp").asLong())
                .isEqualTo(posterior.getLineage().getTimestamp().toEpochMilli());
    }

    /** The event as the Node script takes it: image as base64, the timestamp as epoch millis. */
    private static ObjectNode asNodeInput(ImageEvent event) {
        ObjectNode json = JSON.createObjectNode()
                .put("eventId", event.getEventId())
                .put("image", Base64.getEncoder().encodeToString(event.getImage().array()))
                .put("contentType", event.getContentType())
                .put("promptTemplate", event.getPromptTemplate())
                .put("producedAt", event.getProducedAt().toEpochMilli());
        json.set("labels", JSON.valueToTree(event.getLabels()));
        json.set("labelPriors", JSON.valueToTree(event.getLabelPriors()));
        json.set("metadata", JSON.valueToTree(event.getMetadata()));
        return json;
    }

    /** Runs the interop script against the shared registry and returns its standard output. */
    private String node(String command, String... args) throws IOException, InterruptedException {
        List<String> commandLine = new ArrayList<>(List.of("node", "interop/registry-interop.js", command,
                RegistryServer.shared().url()));
        commandLine.addAll(List.of(args));
        Path stderr = dir.resolve("node-stderr.txt");
        Process process = new ProcessBuilder(commandLine).redirectError(stderr.toFile()).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("node finished").isTrue();
        assertThat(process.exitValue()).as("node %s failed: %s", command, Files.readString(stderr)).isZero();
        return stdout;
    }
}
