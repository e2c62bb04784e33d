package org.difflabel.worker;

import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** In the app as built, an OTLP endpoint alone switches tracing on: the SDK starts, with W3C propagation. */
@QuarkusTest
@TestProfile(WorkerTracingEnabledTest.WithEndpoint.class)
class WorkerTracingEnabledTest {
    public static class WithEndpoint implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // nothing listens there; no span is created by this test, so nothing is sent
            return Map.of("quarkus.otel.exporter.otlp.endpoint", "http://localhost:4317");
        }
    }

    @Inject
    LabelingWorker worker;

    @Test
    void anEndpointSwitchesTracingOn() {
        assertThat(ConfigProvider.getConfig().getValue("quarkus.otel.sdk.disabled", Boolean.class)).isFalse();
        OpenTelemetry tracing = worker.tracing();
        assertThat(tracing).isNotSameAs(OpenTelemetry.noop());
        assertThat(tracing.getPropagators().getTextMapPropagator().fields()).contains("traceparent");
    }
}
