package org.difflabel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.apache.avro.Schema;
import org.difflabel.contracts.ImageEvent;
import org.junit.jupiter.api.Test;

/** The client's handling of failures and settings, against a scripted stand-in registry. */
class RegistryClientTest {
    private static final Duration BACKOFF = Duration.ofMillis(40);
    static final String IMAGE_EVENT_BY_ID = new ObjectMapper().createObjectNode()
            .put("schema", ImageEvent.getClassSchema().toString()).toString();

    private static RegistryClient client(ScriptedRegistry registry) {
        return new RegistryClient(RegistrySettings.of(registry.url()).withRetries(2, BACKOFF, Duration.ofSeconds(1)));
    }

    @Test
    void retriesServerErrorsWithGrowingBackoff() {
        try (ScriptedRegistry registry = ScriptedRegistry.http()
                .then(503, "busy").then(500, "oops").then(200, "{\"compatibilityLevel\":\"BACKWARD\"}")) {
            long start = System.nanoTime();

            assertThat(client(registry).compatibility()).isEqualTo(CompatibilityLevel.BACKWARD);

            assertThat(registry.requests()).hasSize(3);
            // 40 ms before the first retry, 80 ms before the second
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(BACKOFF.multipliedBy(3));
        }
    }

    @Test
    void givesUpAsUnavailableAfterTheLastRetry() {
        try (ScriptedRegistry registry = ScriptedRegistry.http().then(503, "down for maintenance")) {
            assertThatThrownBy(() -> client(registry).schemaById(1))
                    .isInstanceOf(RegistryUnavailableException.class)
                    .hasMessageContaining("after 3 attempts").hasMessageContaining("503");
            assertThat(registry.requests()).hasSize(3);
        }
    }

    @Test
    void reportsClosedPortAsUnavailable() {
        RegistryClient client = new RegistryClient(RegistrySettings.of("http://127.0.0.1:" + BadPayloadIT.closedPort())
                .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10)));

        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasCauseInstanceOf(ConnectException.class);
    }

    @Test
    void doesNotRetryRefusals() {
        try (ScriptedRegistry registry = ScriptedRegistry.http()
                .then(409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible\"}")
                .then(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}")) {
            assertThatThrownBy(() -> client(registry).register("t-value", ImageEvent.getClassSchema()))
                    .isInstanceOfSatisfying(RegistryRequestException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.errorCode()).isEqualTo(409);
                    })
                    .hasMessageContaining("incompatible");
            // the register once, then the look-up that tells a lost registration race from a refusal
            assertThat(registry.requests()).extracting(ScriptedRegistry.Request::path)
                    .containsExactly("/subjects/t-value/versions", "/subjects/t-value");
        }
    }

    @Test
    void unknownIdIsErrorCode40403Only() {
        try (ScriptedRegistry registry = ScriptedRegistry.http()
                .then(404, "{\"error_code\":40403,\"message\":\"Schema 7 not found\"}")) {
            assertThatThrownBy(() -> client(registry).schemaById(7)).isInstanceOf(UnknownSchemaIdException.class);
        }
        // a wrong base URL must stop the stream, not dead-letter every record as "unknown id"
        try (ScriptedRegistry registry = ScriptedRegistry.http().then(404, "<html>Not Found</html>")) {
            assertThatThrownBy(() -> client(registry).schemaById(7))
                    .isInstanceOf(RegistryRequestException.class)
                    .isNotInstanceOf(BadPayloadException.class);
        }
    }

    @Test
    void fetchesEachSchemaIdOnce() {
        try (ScriptedRegistry registry = ScriptedRegistry.http().then(200, IMAGE_EVENT_BY_ID)) {
            RegistryClient client = client(registry);

            Schema first = client.schemaById(7);
            Schema second = client.schemaById(7);

            assertThat(first).isEqualTo(ImageEvent.getClassSchema()).isSameAs(second);
            assertThat(registry.requests()).extracting(ScriptedRegistry.Request::path)
                    .containsExactly("/schemas/ids/7");
        }
    }

    @Test
    void sendsBasicAuthCredentials() {
        try (ScriptedRegistry registry = ScriptedRegistry.http().then(200, IMAGE_EVENT_BY_ID)) {
            new RegistryClient(RegistrySettings.of(registry.url()).withBasicAuth("labeler", "s3cret")).schemaById(1);

            String authorization = registry.requests().get(0).authorization();
            assertThat(authorization).startsWith("Basic ");
            assertThat(new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8))
                    .isEqualTo("labeler:s3cret");
        }
    }

    @Test
    void keepsThePasswordOutOfToString() {
        assertThat(RegistrySettings.of("http://registry:8081").withBasicAuth("labeler", "s3cret").toString())
                .contains("labeler").doesNotContain("s3cret");
    }
}
