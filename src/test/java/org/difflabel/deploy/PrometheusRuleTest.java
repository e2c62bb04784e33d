package org.difflabel.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator's PrometheusRule carries exactly the rules that promtool tests (monitoring/prometheus-rules.yml). */
class PrometheusRuleTest {
    @Test
    void thePrometheusRuleMatchesTheRuleFile() throws Exception {
        Map<String, Object> rule = Manifests.doc(Path.of("k8s/base/prometheusrule.yaml"));
        Map<String, Object> file = Manifests.doc(Path.of("monitoring/prometheus-rules.yml"));
        assertThat((Object) Manifests.at(rule, "spec", "groups")).isEqualTo(file.get("groups"));
    }
}
