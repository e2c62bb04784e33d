package org.difflabel.testsupport;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.difflabel.config.LabelerConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * The application's typed configuration outside Quarkus (plain tests and the processes they start):
 * the same {@link LabelerConfig} mapping and defaults, with {@code overrides} and {@code -D} system
 * properties on top.
 */
public final class TestConfig {
    private TestConfig() {
    }

    public static LabelerConfig labeler(Map<String, String> overrides) {
        Map<String, String> props = new HashMap<>(overrides);
        SmallRyeConfig c = new SmallRyeConfigBuilder()
                .withMapping(LabelerConfig.class)
                .addDefaultSources()
                .withSources(new PropertiesConfigSource(props, "test-overrides", 500))
                .build();
        return c.getConfigMapping(LabelerConfig.class);
    }
}
