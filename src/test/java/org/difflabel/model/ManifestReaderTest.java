package org.difflabel.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A broken model folder is refused with one error naming the file and the problem. */
class ManifestReaderTest {
    private static final Path MNIST = Path.of("onnx-models/mnist-ddpm");
    private static final Path SHAPES = Path.of("onnx-models/shapes-t2i");
    private static final Path SD = Path.of("onnx-models/standins/sd-tiny");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void readsTheShippedManifests() {
        ModelManifest m = ManifestReader.read(MNIST);
        assertThat(m.id()).isEqualTo("mnist-ddpm");
        assertThat(m.schedule().alphasCumprod()).hasSize(1000);
        assertThat(ManifestReader.read(SHAPES).conditioning().kind()).isEqualTo("text");
    }

    @Test
    void refusesMissingFile() throws IOException {
        Path copy = copy(MNIST);
        Files.delete(copy.resolve("unet.onnx"));
        assertThatThrownBy(() -> LabelModel.load(copy, ModelOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("unet.onnx").hasMessageContaining("missing file");
    }

    @Test
    void refusesCorruptFile() throws IOException {
        Path copy = copy(MNIST);
        byte[] b = Files.readAllBytes(copy.resolve("unet.onnx"));
        b[b.length / 2] ^= 1;
        Files.write(copy.resolve("unet.onnx"), b);
        assertThatThrownBy(() -> LabelModel.load(copy, ModelOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("unet.onnx").hasMessageContaining("sha256");
    }

    @Test
    void refusesUnsupportedField() throws IOException {
        Path copy = edit(MNIST, m -> m.put("guidanceScale", 7.5));
        assertThatThrownBy(() -> ManifestReader.read(copy))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model.json").hasMessageContaining("'guidanceScale'");
    }

    @Test
    void refusesADefaultSequentialPlanThatIsNotThere() throws IOException {
        Path noPlan = edit(MNIST, m -> {
            ObjectNode c = (ObjectNode) m.get("classifier");
            c.remove("sequential");
            c.put("defaultPlan", "sequential");
        });
        assertThatThrownBy(() -> ManifestReader.read(noPlan)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("classifier.defaultPlan must be 'stages' or 'sequential' (with a classifier.sequential block)");
    }

    @Test
    void refusesTimestepWeightsThatDoNotFitTheirGrid() throws IOException {
        Path shortWeights = edit(SHAPES, m -> {
            ObjectNode w = ((ObjectNode) m.get("classifier")).putObject("timestepWeights");
            w.put("grid", 64);
            w.putArray("weights").add(1.0).add(2.0);
            w.putArray("scales").add(1.0).add(2.0);
        });
        assertThatThrownBy(() -> ManifestReader.read(shortWeights)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("classifier.timestepWeights: 2 timestep weights and 2 scales for a grid of 64");
    }

    @Test
    void refusesATimestepRangeOutsideTheSchedule() throws IOException {
        Path badRange = edit(MNIST, m -> ((ObjectNode) m.get("classifier")).putObject("timestepRange")
                .put("min", 50).put("max", 1200).put("why", "test"));
        assertThatThrownBy(() -> ManifestReader.read(badRange)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("classifier.timestepRange [50, 1200) needs 0 <= min, max <= 1000");
    }

    @Test
    void refusesATimestepRangeWithAnUnknownField() throws IOException {
        Path unknownField = edit(MNIST, m -> ((ObjectNode) m.get("classifier")).putObject("timestepRange")
                .put("min", 50).put("max", 600).put("from", 3));
        assertThatThrownBy(() -> ManifestReader.read(unknownField)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("from");
    }

    @Test
    void refusesASequentialPlanWithABadLevel() throws IOException {
        Path badLevel = edit(SHAPES, m -> {
            ObjectNode q = ((ObjectNode) m.get("classifier")).putObject("sequential");
            q.put("block", 4).put("min", 4).put("max", 32).put("level", 1.5).put("weighted", false);
        });
        assertThatThrownBy(() -> ManifestReader.read(badLevel)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("classifier.sequential: sequential level must be in (0, 1), got 1.5");
    }

    @Test
    void refusesUnsupportedValue() throws IOException {
        Path copy = edit(MNIST, m -> ((ObjectNode) m.get("prediction")).put("type", "sample"));
        assertThatThrownBy(() -> ManifestReader.read(copy))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("prediction.type 'sample'");
    }

    @Test
    void refusesWrongInputNames() throws IOException {
        Path copy = edit(MNIST, m -> ((ObjectNode) m.get("networks").get("unet").get("inputs")).put("condition", "y"));
        assertThatThrownBy(() -> LabelModel.load(copy, ModelOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("unet.onnx").hasMessageContaining("class_labels").hasMessageContaining("[")
                .hasMessageContaining("y");
    }

    @Test
    void refusesWrongOutputName() throws IOException {
        Path copy = edit(MNIST, m -> ((ObjectNode) m.get("networks").get("unet").get("outputs")).put("noise", "eps"));
        assertThatThrownBy(() -> LabelModel.load(copy, ModelOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("unet.onnx").hasMessageContaining("'eps'");
    }

    @Test
    void refusesManifestNamingAMissingNetwork() throws IOException {
        Path copy = edit(SHAPES, m -> ((ObjectNode) m.get("networks")).remove("textEncoder"));
        assertThatThrownBy(() -> ManifestReader.read(copy))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("missing network 'textEncoder'");
    }

    @Test
    void refusesTokenizerThatDoesNotParse() throws IOException {
        Path copy = copy(SHAPES);
        Files.writeString(copy.resolve("vocab.json"), "{ not json");
        rehash(copy, "vocab.json");
        assertThatThrownBy(() -> LabelModel.load(copy, ModelOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("vocab.json").hasMessageContaining("does not parse");
    }

    @Test
    void refusesMismatchedLatentChannels() throws IOException {
        Path copy = edit(Path.of("onnx-models/standins/sd-tiny"), m -> ((ObjectNode) m.get("space")).put("latentChannels", 3));
        assertThatThrownBy(() -> LabelModel.load(copy, ModelOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("vae_encoder.onnx").hasMessageContaining("space.latentChannels 3");
    }

    @Test
    void refusesFloat16VariantWithoutFile() throws IOException {
        Path copy = edit(SD, m -> ((ObjectNode) m.at("/networks/unet/float16")).remove("file"));
        assertThatThrownBy(() -> ManifestReader.read(copy)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("networks.unet.float16.file is missing");
    }

    @Test
    void refusesFloat16VariantWithoutFloat16Types() throws IOException {
        Path copy = edit(SD, m -> {
            ((ObjectNode) m.at("/networks/vaeEncoder/float16/inputTypes")).put("sample", "float32");
            ((ObjectNode) m.at("/networks/vaeEncoder/float16/outputTypes")).put("latent", "float32");
        });
        assertThatThrownBy(() -> ManifestReader.read(copy)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("networks.vaeEncoder.float16 declares no float16 input or output type");
    }

    @Test
    void refusesFloat16VariantWithoutChecksum() throws IOException {
        Path copy = edit(SD, m -> {
            var files = (com.fasterxml.jackson.databind.node.ArrayNode) m.get("files");
            for (int i = files.size() - 1; i >= 0; i--) {
                if (files.get(i).get("path").asText().equals("unet.fp16.onnx")) {
                    files.remove(i);
                }
            }
        });
        assertThatThrownBy(() -> ManifestReader.read(copy)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("network file 'unet.fp16.onnx' is not listed in 'files'");
    }

    @Test
    void refusesMissingFolder() {
        assertThatThrownBy(() -> ManifestReader.read(tmp.resolve("nope")))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("does not exist");
    }

    private Path copy(Path model) throws IOException {
        Path dst = tmp.resolve(model.getFileName());
        try (Stream<Path> files = Files.list(model)) {
            Files.createDirectories(dst);
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    private Path edit(Path model, Consumer<ObjectNode> change) throws IOException {
        Path dst = copy(model);
        ObjectNode m = (ObjectNode) JSON.readTree(dst.resolve("model.json").toFile());
        change.accept(m);
        JSON.writeValue(dst.resolve("model.json").toFile(), m);
        return dst;
    }

    private void rehash(Path folder, String file) throws IOException {
        ObjectNode m = (ObjectNode) JSON.readTree(folder.resolve("model.json").toFile());
        m.get("files").forEach(f -> {
            if (f.get("path").asText().equals(file)) {
                ((ObjectNode) f).put("sha256", ManifestReader.sha256(folder.resolve(file)));
            }
        });
        JSON.writeValue(folder.resolve("model.json").toFile(), m);
    }
}
