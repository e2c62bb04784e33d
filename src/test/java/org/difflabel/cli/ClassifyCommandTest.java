package org.difflabel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code classify} command as a user runs it: output, exit status, and bad input mid-batch. */
@QuarkusMainTest
class ClassifyCommandTest {
    private static final String MODEL = "onnx-models/mnist-ddpm";
    private static final String DIGITS = "0,1,2,3,4,5,6,7,8,9";

    @TempDir
    Path tmp;

    @Test
    void printsOneJsonPosteriorPerImage(QuarkusMainLauncher launcher) throws Exception {
        List<Path> samples = samples();
        LaunchResult r = launcher.launch("classify", "--model", MODEL, "--labels", DIGITS, "--json",
                samples.get(0).toString(), samples.get(1).toString());
        assertThat(r.exitCode()).isZero();
        List<String> lines = r.getOutputStream().stream().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).hasSize(2);
        JsonNode o = new ObjectMapper().readTree(lines.get(0));
        assertThat(o.get("image").asText()).isEqualTo(samples.get(0).toString());
        assertThat(o.get("posterior")).hasSize(10);
        assertThat(o.get("confidence").asDouble()).isEqualTo(o.get("posterior").get(0).get("p").asDouble());
        assertThat(o.get("top").asText()).isEqualTo(o.get("posterior").get(0).get("label").asText());
        assertThat(o.get("margin").asDouble())
                .isEqualTo(o.get("posterior").get(0).get("p").asDouble() - o.get("posterior").get(1).get("p").asDouble());
        assertThat(o.get("evaluations").asLong()).isPositive();
        for (JsonNode field : List.of(o.get("entropy"), o.get("posterior").get(0).get("meanError"))) {
            assertThat(field.isNumber()).isTrue();
        }
        // the digit's true label is in its file name: digit-<label>-<row>.png
        String truth = samples.get(0).getFileName().toString().split("-")[1];
        assertThat(o.get("top").asText()).isEqualTo(truth);
    }

    @Test
    void badImageIsReportedAndTheOthersAreStillClassified(QuarkusMainLauncher launcher) throws Exception {
        Path bad = tmp.resolve("truncated.png");
        byte[] png = Files.readAllBytes(samples().get(0));
        Files.write(bad, java.util.Arrays.copyOf(png, 40));
        LaunchResult r = launcher.launch("classify", "--model", MODEL, "--labels", DIGITS, "--json",
                bad.toString(), samples().get(2).toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.getErrorOutput()).contains("truncated.png").contains("CORRUPT_IMAGE");
        assertThat(r.getOutputStream().stream().filter(l -> l.startsWith("{"))).hasSize(1);
    }

    @Test
    void unknownLabelIsAClearError(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult r = launcher.launch("classify", "--model", MODEL, "--labels", "3,cat", samples().get(0).toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.getErrorOutput()).contains("UNKNOWN_LABEL").contains("'cat'");
    }

    @Test
    void missingModelFolderFailsWithItsPath(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult r = launcher.launch("classify", "--model", "no/such/model", "--labels", "a,b",
                samples().get(0).toString());
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.getErrorOutput()).contains("no/such/model").contains("does not exist");
    }

    @Test
    void missingLabelsIsAUsageError(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult r = launcher.launch("classify", "--model", MODEL, samples().get(0).toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.getErrorOutput()).contains("--labels");
    }

    @Test
    void badScheduleIsAUsageError(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult r = launcher.launch("classify", "--model", MODEL, "--labels", DIGITS, "--samples", "16:3,8:1",
                samples().get(0).toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.getErrorOutput()).contains("increase");
    }

    private static List<Path> samples() throws Exception {
        try (var s = Files.list(Path.of(MODEL, "samples"))) {
            return s.sorted().toList();
        }
    }
}
