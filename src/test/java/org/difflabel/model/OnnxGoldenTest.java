package org.difflabel.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each shipped ONNX network, run through DJL/ONNX Runtime, reproduces PyTorch's output on golden inputs. */
class OnnxGoldenTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "mnist-ddpm, unet, noise_pred, sample;timestep;class_labels",
        "mnist-ddpm-1.1.0, unet, noise_pred, sample;timestep;class_labels",
        "shapes-t2i, unet, noise_pred, sample;timestep;encoder_hidden_states",
        "shapes-t2i, text_encoder, last_hidden_state, input_ids",
        "shapes-t2i-1.0.0, unet, noise_pred, sample;timestep;encoder_hidden_states",
        "shapes-t2i-1.0.0, text_encoder, last_hidden_state, input_ids"})
    void onnxMatchesPyTorch(String modelId, String network, String output, String inputs) throws Exception {
        Path folder = Path.of("onnx-models", modelId);
        ManifestReader.read(folder); // checksums first
        List<OnnxNetwork.Input> in = new ArrayList<>();
        for (String name : inputs.split(";")) {
            GoldenTensor t = GoldenTensor.read(folder.resolve("golden/" + network + "." + name + ".gtns"));
            in.add(new OnnxNetwork.Input(name, t.floats() != null ? t.floats() : t.longs(),
                    t.floats() != null ? "float32" : "int64", t.shape()));
        }
        GoldenTensor expected = GoldenTensor.read(folder.resolve("golden/" + network + "." + output + ".gtns"));
        try (OnnxNetwork net = new OnnxNetwork(folder.resolve(network + ".onnx"), 1)) {
            OnnxNetwork.Output y = net.run(in, output);
            assertThat(y.shape()).containsExactly(expected.shape());
            float maxAbs = 0;
            for (float v : expected.floats()) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            for (int i = 0; i < y.values().length; i++) {
                assertThat(y.values()[i]).as("element %d", i)
                        .isCloseTo(expected.floats()[i], org.assertj.core.data.Offset.offset(1e-4f * Math.max(1f, maxAbs)));
            }
        }
    }
}
