package org.difflabel.model;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CPU builds (CI): {@code cuda} fails fast with a clear error, {@code auto} runs on CPU. */
class ExecutionProviderTest {
    private static final Path MNIST = Path.of("onnx-models/mnist-ddpm");

    @Test
    void cudaWithoutAGpuBuildFailsFastWithAClearError() {
        assertThat(ExecutionProvider.cudaInBuild()).as("the CPU build carries no CUDA provider").isFalse();
        assertThatThrownBy(() -> LabelModel.load(MNIST, ModelOptions.defaults().withExecutionProvider(ExecutionProvider.CUDA)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("execution-provider=cuda").hasMessageContaining("-Pgpu");
    }

    @Test
    void autoFallsBackToCpu() throws Exception {
        try (LabelModel m = LabelModel.load(MNIST, ModelOptions.defaults().withExecutionProvider(ExecutionProvider.AUTO))) {
            Path sample;
            try (var files = java.nio.file.Files.list(MNIST.resolve("samples"))) {
                sample = files.sorted().findFirst().orElseThrow();
            }
            byte[] png = java.nio.file.Files.readAllBytes(sample);
            assertThat(m.classify(LabelRequest.of("auto", png, List.of("1", "7"))).scores()).hasSize(2);
        }
    }

    @Test
    void parsesTheConfiguredValue() {
        assertThat(ExecutionProvider.parse(" CUDA ")).isEqualTo(ExecutionProvider.CUDA);
        assertThatThrownBy(() -> ExecutionProvider.parse("tpu")).hasMessageContaining("auto, cuda or cpu");
    }
}
