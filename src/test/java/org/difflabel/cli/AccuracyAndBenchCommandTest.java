package org.difflabel.cli;

import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The accuracy and bench commands run end to end and print what they promise (no timing is asserted). */
@QuarkusMainTest
class AccuracyAndBenchCommandTest {

    @Test
    void accuracyReportsCalibrationOnALabelledFolder(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("accuracy", "--model", "onnx-models/mnist-ddpm", "--data",
                "onnx-models/mnist-ddpm/heldout", "--limit", "40", "--samples", "4", "--parallel", "2", "--threads", "1");
        assertThat(r.exitCode()).isZero();
        Matcher m = Pattern.compile("accuracy ([0-9.]+)  mean confidence ([0-9.]+)  NLL ([0-9.]+)  ECE ([0-9.]+)")
                .matcher(r.getOutput());
        assertThat(m.find()).as(r.getOutput()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isBetween(0.0, 1.0);
        assertThat(Double.parseDouble(m.group(4))).isBetween(0.0, 1.0);
        // the vocabulary is every label folder, even though --limit picks only 40 images
        assertThat(r.getOutput()).contains("40 images, 10 labels");
    }

    @Test
    void accuracyPrintsEvaluationsPerImageOfASequentialPlan(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("accuracy", "--model", "onnx-models/mnist-ddpm", "--data",
                "onnx-models/mnist-ddpm/heldout", "--limit", "20", "--samples", "sequential:max=16", "--threads", "1");
        assertThat(r.exitCode()).isZero();
        assertThat(r.getOutput()).contains("plan sequential:block=4,min=4,max=16,level=0.01,weights=off");
        Matcher m = Pattern.compile("evaluations per image: mean ([0-9.]+)  p50 ([0-9]+)  p95 ([0-9]+)  max ([0-9]+)")
                .matcher(r.getOutput());
        assertThat(m.find()).as(r.getOutput()).isTrue();
        double mean = Double.parseDouble(m.group(1));
        // at least the first block of 4 samples for 10 labels, at most 16 samples for all 10
        assertThat(mean).isBetween(40.0, 160.0);
        assertThat(Long.parseLong(m.group(2))).isLessThanOrEqualTo(Long.parseLong(m.group(3)));
        assertThat(Long.parseLong(m.group(4))).isLessThanOrEqualTo(160);
    }

    @Test
    void accuracyOutputReproducesTheCommittedCalibrationData(QuarkusMainLauncher launcher) throws Exception {
        // the calibration tests' data (scripts/calibration-data.sh) must be what this command writes today:
        // same event ids, model version and plan give the same noise, and float32 results do not depend on threads
        java.nio.file.Path out = java.nio.file.Files.createTempFile("accuracy", ".jsonl");
        LaunchResult r = launcher.launch("accuracy", "--model", "onnx-models/mnist-ddpm", "--data",
                "onnx-models/mnist-ddpm/heldout", "--limit", "6", "--threads", "1", "--output", out.toString());
        assertThat(r.exitCode()).isZero();
        var committed = new java.util.HashMap<String, org.difflabel.calibration.HeldoutResults.Row>();
        org.difflabel.calibration.HeldoutResults.load(org.difflabel.calibration.HeldoutResults.CLEAN)
                .forEach(row -> committed.put(row.result().eventId(), row));
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<String> lines = java.nio.file.Files.readAllLines(out);
        assertThat(lines).hasSize(6);
        for (String line : lines) {
            var n = json.readTree(line);
            var row = committed.get(n.get("id").asText());
            assertThat(row).as(n.get("id").asText()).isNotNull();
            assertThat(n.get("truth").asText()).isEqualTo(row.truth());
            for (int i = 0; i < n.get("labels").size(); i++) {
                var l = n.get("labels").get(i);
                var c = row.result().labels().get(i);
                assertThat(l.get("label").asText()).isEqualTo(c.label());
                assertThat(l.get("probability").asDouble()).isEqualTo(c.probability());
                assertThat(l.get("meanError").asDouble()).isEqualTo(c.meanError());
                var stages = l.get("stageMeans");
                assertThat(stages.get(stages.size() - 1).asDouble()).isEqualTo(c.meanError());
            }
        }
    }

    @Test
    void accuracyRefusesAMissingFolder(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("accuracy", "--model", "onnx-models/mnist-ddpm", "--data", "no/such/dir");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.getErrorOutput()).contains("no/such/dir");
    }

    @Test
    void benchPrintsBothModesTheirRatioAndLatency(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("bench", "--model", "onnx-models/mnist-ddpm", "--rounds", "1", "--seconds", "0.2",
                "--images", "2", "--batch-size", "32", "--vocab", "2,10,24");
        assertThat(r.exitCode()).isZero();
        assertThat(r.getOutput()).contains("bare ONNX Runtime session loop").contains("ratio classifier / bare ONNX Runtime")
                .contains("| 10 | 16:3,64:1 | 304.0 |").contains("(model has 10 labels)").contains("peak RSS");
    }
}
