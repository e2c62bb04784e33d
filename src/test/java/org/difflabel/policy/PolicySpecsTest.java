package org.difflabel.policy;

import org.difflabel.contracts.LabelThresholds;
import org.difflabel.contracts.TriagePolicySpec;
import org.difflabel.stream.ActivePolicy;
import org.difflabel.stream.TriagePolicy;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A policy record round-trips, and every kind of invalid version is refused with its reason. */
class PolicySpecsTest {
    private static final ActivePolicy POLICY = new ActivePolicy(new TriagePolicy("7",
            new TriagePolicy.Thresholds(0.8, 0.3, 1.5), Map.of("cat", new TriagePolicy.Thresholds(0.95, 0.3, 1.5)), 0.02),
            Map.of("mnist-ddpm:1.0.0", 0.0009));

    private static TriagePolicySpec.Builder spec() {
        return TriagePolicySpec.newBuilder(PolicySpecs.toSpec(POLICY, "test", null, Instant.EPOCH));
    }

    @Test
    void roundTrips() {
        assertThat(PolicySpecs.fromSpec(spec().build())).isEqualTo(POLICY);
        assertThat(POLICY.temperature("mnist-ddpm", "1.0.0")).isEqualTo(0.0009);
        assertThat(POLICY.temperature("mnist-ddpm", "1.1.0")).isNull();
    }

    @Test
    void aPerLabelOverrideWithoutAValueTakesTheDefault() {
        ActivePolicy p = PolicySpecs.fromSpec(spec().setLabels(Map.of("dog", new LabelThresholds(0.99, null, null))).build());
        assertThat(p.triage().perLabel().get("dog")).isEqualTo(new TriagePolicy.Thresholds(0.99, 0.3, 1.5));
    }

    @Test
    void refusesInvalidVersions() {
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setVersion(" ").build())).hasMessageContaining("no version");
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setMinConfidence(1.5).build())).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setMinMargin(Double.NaN).build())).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setMaxEntropy(-1.0).build())).hasMessageContaining("entropy");
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setAuditRate(2).build())).hasMessageContaining("audit rate");
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setLabels(Map.of("cat", new LabelThresholds(-0.1, null, null)))
                .build())).hasMessageContaining("label 'cat'");
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setTemperatures(Map.of("mnist-ddpm:1.0.0", 0.0)).build()))
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setTemperatures(Map.of("mnist-ddpm", 0.1)).build()))
                .hasMessageContaining("modelId:modelVersion");
        assertThatThrownBy(() -> PolicySpecs.fromSpec(spec().setTemperatures(Map.of("m:1", Double.POSITIVE_INFINITY))
                .build())).hasMessageContaining("temperature");
    }
}
