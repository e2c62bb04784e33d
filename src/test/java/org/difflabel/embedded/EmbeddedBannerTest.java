package org.difflabel.embedded;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The banner of the embedded default: addresses, the data folder, and commands a person can paste. */
class EmbeddedBannerTest {
    private static final String REGISTRY = "http://127.0.0.1:8081/apis/ccompat/v7";

    @Test
    void theDemoBannerNamesTheClusterAndTheCommandsToSendAnImageAndReadResults() {
        String text = new EmbeddedBanner("127.0.0.1:9092", REGISTRY, Path.of("/data/embedded-data"), "images.requested",
                "labels.scored", List.of("0", "1", "2"), Path.of("onnx-models/mnist-ddpm/samples/digit-0-0.png"), true).text();
        assertThat(text.lines()).contains(
                "bootstrap.servers=127.0.0.1:9092",
                "registry.url=" + REGISTRY,
                "  node interop/worker-client.js 127.0.0.1:9092 " + REGISTRY
                        + " images.requested labels.scored 0,1,2 onnx-models/mnist-ddpm/samples/digit-0-0.png",
                "  node interop/read-results.js 127.0.0.1:9092 " + REGISTRY + " labels.scored");
        assertThat(text).contains("data kept in /data/embedded-data").doesNotContain("KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void theEmbeddedCommandsBannerSaysHowToStartAWorkerOnIt() {
        String text = new EmbeddedBanner("127.0.0.1:9093", "http://127.0.0.1:8082/apis/ccompat/v7", Path.of("d"),
                "images.requested", "labels.scored", List.of("0"), null, false).text();
        assertThat(text.lines()).contains("  KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9093"
                + " LABELER_WORKER_REGISTRY_URL=http://127.0.0.1:8082/apis/ccompat/v7 java -jar target/quarkus-app/quarkus-run.jar");
    }

    @Test
    void wordsAShellWouldSplitAreQuoted() {
        assertThat(EmbeddedBanner.command("node", "a photo", "it's", "x,y")).isEqualTo("node 'a photo' 'it'\\''s' x,y");
    }
}
