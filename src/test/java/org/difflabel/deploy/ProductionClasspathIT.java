package org.difflabel.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application (what the container image ships, built by {@code package} before this
 * tier runs) carries no test-only jars: no JUnit, assertion, browser or container test libraries.
 */
class ProductionClasspathIT {

    @Test
    void thePackagedAppHasNoTestOnlyJars() throws Exception {
        Path lib = Path.of("target", "quarkus-app", "lib", "main");
        assertThat(lib).isDirectory();
        List<String> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.map(p -> p.getFileName().toString()).toList();
        }
        assertThat(jars).as("the app's own dependencies are there").anyMatch(j -> j.contains("kafka-streams"));
        assertThat(jars).noneMatch(j -> j.startsWith("org.junit") || j.startsWith("org.opentest4j")
                || j.startsWith("org.assertj") || j.startsWith("org.seleniumhq") || j.startsWith("org.testcontainers")
                || j.contains("kafka-streams-test-utils") || j.startsWith("io.quarkus.quarkus-junit"));
    }
}
