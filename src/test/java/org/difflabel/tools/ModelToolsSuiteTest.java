package org.difflabel.tools;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python model tools' own test suite (onnx-models/tools/tests: noise and timesteps against the
 * Java side, tokenizers, ONNX export and manifests, the reference classifier, calibration, the
 * training loop's resume, the renderers), run with Debian's Python packages as onnx-models/README.md
 * says, so that the test command covers the code that makes the shipped models.
 */
class ModelToolsSuiteTest {

    @Test
    void pythonToolsSuitePasses() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/python3", "-W", "ignore::ResourceWarning", "-m", "unittest", "discover",
                "-s", "onnx-models/tools/tests", "-t", "onnx-models/tools")
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue())
                .as("python3 -m unittest discover -s onnx-models/tools/tests (needs python3-torch python3-onnx "
                        + "python3-numpy python3-scipy python3-sklearn python3-pil; .ci/run installs them):\n" + text)
                .isZero();
        assertThat(text).containsPattern("Ran \\d+ tests").contains("OK");
    }
}
