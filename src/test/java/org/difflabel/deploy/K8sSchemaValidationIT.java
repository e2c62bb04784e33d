package org.difflabel.deploy;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every manifest of k8s/base is valid against the Kubernetes, KEDA and Strimzi JSON schemas
 * (npm kubernetes-models, @kubernetes-models/keda, @kubernetes-models/strimzi-kafka-operator; the
 * build installs them into k8s/validator/node_modules).
 */
class K8sSchemaValidationIT {

    @Test
    void manifestsMatchTheirSchemas() throws Exception {
        Process node = new ProcessBuilder("node", "k8s/validator/validate.mjs").redirectErrorStream(true).start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        assertThat(out).contains("Deployment diffusion-labeler").contains("Deployment diffusion-labeler-review")
                .contains("ScaledObject diffusion-labeler")
                .contains("KafkaTopic images.requested").contains(" 0 invalid");
    }
}
