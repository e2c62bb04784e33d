package org.difflabel.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenTelemetry SDK is off unless an OTLP endpoint is configured (quarkus' own defaults do not count). */
class TracingSwitchTest {

    /** The config as Quarkus builds it: the interceptor discovered from META-INF/services, Quarkus' defaults lowest. */
    private static boolean sdkDisabled(Map<String, String> settings) {
        SmallRyeConfig c = new SmallRyeConfigBuilder()
                .addDiscoveredInterceptors()
                .withProfile("prod")
                .withDefaultValue("quarkus.otel.sdk.disabled", "false")
                .withDefaultValue("quarkus.otel.exporter.otlp.endpoint", "http://localhost:4317")
                .withSources(new PropertiesConfigSource(settings, "application.properties", 250))
                .build();
        return c.getValue(TracingSwitch.SDK_DISABLED, Boolean.class);
    }

    @Test
    void offWithNoEndpointConfigured() {
        assertThat(sdkDisabled(Map.of())).isTrue();
        assertThat(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", " "))).isTrue();
    }

    @Test
    void onWhenAnEndpointIsConfigured() {
        assertThat(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://collector:4317"))).isFalse();
        assertThat(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.traces.endpoint", "http://collector:4318"))).isFalse();
        assertThat(sdkDisabled(Map.of("%prod.quarkus.otel.exporter.otlp.endpoint", "http://collector:4317"))).isFalse();
    }

    @Test
    void anExplicitSettingWins() {
        assertThat(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://collector:4317",
                "quarkus.otel.sdk.disabled", "true"))).isTrue();
        assertThat(sdkDisabled(Map.of("quarkus.otel.sdk.disabled", "false"))).isFalse();
    }
}
