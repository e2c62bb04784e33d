package org.difflabel.worker;

import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** In the app as built, with no OTLP endpoint configured: the SDK is off and the worker traces nothing. */
@QuarkusTest
class WorkerTracingTest {
    @Inject
    LabelingWorker worker;

    @Test
    void nothingIsTracedWithoutAnEndpoint() {
        assertThat(ConfigProvider.getConfig().getValue("quarkus.otel.sdk.disabled", Boolean.class)).isTrue();
        assertThat(worker.tracing()).isSameAs(OpenTelemetry.noop());
    }
}
