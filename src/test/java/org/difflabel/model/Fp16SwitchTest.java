package org.difflabel.model;

import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Stage;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The {@code fp16} switch on real networks: sd-tiny ships float32 networks and float16 exports of
 * the same weights; sd-tiny-v-fp16 float16 only; mnist-ddpm float32 only. This machine has no
 * GPU, so {@code auto} is exercised on CPU (float32 where there is a choice).
 */
class Fp16SwitchTest {
    private static final Path SD = Path.of("onnx-models/standins/sd-tiny");
    private static final Path SD_FP16_ONLY = Path.of("onnx-models/standins/sd-tiny-v-fp16");
    private static final Path MNIST = Path.of("onnx-models/mnist-ddpm");
    private static final ModelOptions CPU = ModelOptions.defaults().withExecutionProvider(ExecutionProvider.CPU)
            .withBatchSize(64);

    @Test
    void onLoadsTheFloat16ExportsAndOffTheFloat32Ones() {
        try (LabelModel half = LabelModel.load(SD, CPU.withFp16(Fp16.ON));
             LabelModel full = LabelModel.load(SD, CPU.withFp16(Fp16.OFF))) {
            assertThat(half.precision()).isEqualTo("float16");
            assertThat(half.network("unet").file()).isEqualTo("unet.fp16.onnx");
            assertThat(half.network("unet").inputTypes()).containsEntry("sample", "float16")
                    .containsEntry("timestep", "int64");
            assertThat(half.network("textEncoder").file()).isEqualTo("text_encoder.fp16.onnx");
            assertThat(half.network("vaeEncoder").file()).isEqualTo("vae_encoder.fp16.onnx");
            assertThat(full.precision()).isEqualTo("float32");
            assertThat(full.network("unet").file()).isEqualTo("unet.onnx");
        }
    }

    @Test
    void float16AgreesWithFloat32OnTheSameRequests() throws Exception {
        byte[] png = Files.readAllBytes(SD.resolve("samples/red-circle-64x64.png"));
        List<String> labels = List.of("red circle", "blue square", "green triangle", "yellow star");
        List<Stage> flat = Stage.parse("8");
        Posterior half;
        Posterior full;
        try (LabelModel m = LabelModel.load(SD, CPU.withFp16(Fp16.ON))) {
            half = m.classify(new LabelRequest("fp16-parity", png, labels, null, flat, null));
        }
        try (LabelModel m = LabelModel.load(SD, CPU.withFp16(Fp16.OFF))) {
            full = m.classify(new LabelRequest("fp16-parity", png, labels, null, flat, null));
        }
        assertThat(half.evaluations()).isEqualTo(full.evaluations()).isEqualTo(32);
        assertThat(half.seed()).isEqualTo(full.seed()); // the same noise: the precision is not part of the seed
        for (LabelScore s : full.scores()) {
            LabelScore h = half.score(s.label());
            // float16 carries ~3 decimal digits per value; the mean over 8 x 4 x 8 x 8 errors agrees
            // far closer (measured: 6e-5 relative at most)
            assertThat(h.meanError()).as(s.label()).isCloseTo(s.meanError(), within(1e-3 * s.meanError()));
            assertThat(h.probability()).as(s.label()).isCloseTo(s.probability(), within(1e-3));
        }
    }

    @Test
    void autoRunsFloat32OnCpuWhereThereIsAChoiceAndWhatThereIsOtherwise() {
        try (LabelModel both = LabelModel.load(SD, CPU);
             LabelModel halfOnly = LabelModel.load(SD_FP16_ONLY, CPU)) {
            assertThat(CPU.fp16()).isEqualTo(Fp16.AUTO);
            assertThat(both.precision()).isEqualTo("float32");
            assertThat(halfOnly.precision()).isEqualTo("float16");
        }
    }

    @Test
    void refusesAPrecisionTheFolderLacks() {
        assertThatThrownBy(() -> LabelModel.load(MNIST, CPU.withFp16(Fp16.ON)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model.json").hasMessageContaining("fp16=on")
                .hasMessageContaining("networks.unet has no float16 variant");
        assertThatThrownBy(() -> LabelModel.load(SD_FP16_ONLY, CPU.withFp16(Fp16.OFF)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("fp16=off").hasMessageContaining("float16 only");
    }

    @Test
    void parsesTheSetting() {
        assertThat(Fp16.parse(" On ")).isEqualTo(Fp16.ON);
        assertThatThrownBy(() -> Fp16.parse("half")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fp16 must be auto, on or off, got 'half'");
    }
}
