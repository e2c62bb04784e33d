package org.difflabel.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;

import java.util.List;

/**
 * Traces are off unless an OTLP endpoint is configured. The OpenTelemetry SDK is on by default and
 * would export to {@code localhost:4317}; this answers {@code quarkus.otel.sdk.disabled} (a runtime
 * setting) with {@code false} only when {@code quarkus.otel.exporter.otlp.endpoint} or
 * {@code quarkus.otel.exporter.otlp.traces.endpoint} is set (environment:
 * {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT}), and {@code true} otherwise. An explicit
 * {@code quarkus.otel.sdk.disabled} wins either way. Defaults do not count as "set": Quarkus'
 * own endpoint default is what this avoids.
 */
@Priority(Priorities.APPLICATION)
public final class TracingSwitch implements ConfigSourceInterceptor {
    public static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    public static final List<String> ENDPOINTS = List.of("quarkus.otel.exporter.otlp.endpoint",
            "quarkus.otel.exporter.otlp.traces.endpoint");

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!SDK_DISABLED.equals(name) || isSet(value)) {
            return value;
        }
        boolean endpoint = ENDPOINTS.stream().map(context::proceed).anyMatch(TracingSwitch::isSet);
        return ConfigValue.builder()
                .withName(SDK_DISABLED)
                .withValue(Boolean.toString(!endpoint))
                .withConfigSourceName(TracingSwitch.class.getSimpleName())
                .withConfigSourceOrdinal(Integer.MIN_VALUE + 1)
                .build();
    }

    /** Set by a real source (a file, the environment, -D), not a default value (ordinal {@code Integer.MIN_VALUE}). */
    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank()
                && value.getConfigSourceOrdinal() > Integer.MIN_VALUE + 1000;
    }
}
