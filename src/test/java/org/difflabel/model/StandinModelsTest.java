package org.difflabel.model;

import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The SD- and DiT-layout stand-ins run end to end through the same classifier code, with the
 * latent shapes of their manifests. Reproducibility: float32 networks give bit-identical results
 * for the same request with any thread count or batch size. float16 networks on the CPU do not
 * (ONNX Runtime's fp16 kernels accumulate differently per thread count and batch shape): they are
 * bit-identical for a fixed configuration and agree to 1e-3 across configurations.
 */
class StandinModelsTest {

    @ParameterizedTest
    @CsvSource({"sd-tiny, true", "dit-tiny, true", "sd-tiny-v-fp16, false"})
    void latentPathIsReproducible(String id, boolean exactAcrossConfigurations) throws Exception {
        Path folder = Path.of("onnx-models/standins", id);
        Path image;
        try (var s = Files.list(folder.resolve("samples"))) {
            image = s.sorted().findFirst().orElseThrow();
        }
        byte[] png = Files.readAllBytes(image);
        List<String> labels;
        Posterior first;
        Posterior again;
        Posterior otherConfig;
        try (LabelModel m = LabelModel.load(folder, ModelOptions.defaults().withBatchSize(64))) {
            assertThat(m.sampleShape()).containsExactly(4, 8, 8);
            labels = m.demoLabels().subList(0, 3);
            first = m.classify(LabelRequest.of("same-id", png, labels));
            again = m.classify(LabelRequest.of("same-id", png, labels));
        }
        try (LabelModel m = LabelModel.load(folder, ModelOptions.defaults().withIntraOpThreads(1).withBatchSize(5))) {
            otherConfig = m.classify(LabelRequest.of("same-id", png, labels));
        }
        assertThat(first.evaluations()).isEqualTo(otherConfig.evaluations()).isPositive();
        for (LabelScore s : first.scores()) {
            assertThat(again.score(s.label()).sampleErrors()).as(s.label()).containsExactly(s.sampleErrors());
            double[] other = otherConfig.score(s.label()).sampleErrors();
            if (exactAcrossConfigurations) {
                assertThat(other).as(s.label()).containsExactly(s.sampleErrors());
            } else {
                for (int j = 0; j < other.length; j++) {
                    assertThat(other[j]).isCloseTo(s.sampleErrors()[j], within(1e-3 * Math.abs(s.sampleErrors()[j])));
                }
            }
        }
    }
}
