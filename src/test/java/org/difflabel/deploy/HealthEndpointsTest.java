package org.difflabel.deploy;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The endpoints the probes and the metrics Service name exist in the app. Here the worker is not
 * started (no command runs under @QuarkusTest): live, started, but not ready.
 */
@QuarkusTest
class HealthEndpointsTest {
    @TestHTTPResource("/")
    URI root;

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(root.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void probesAndMetricsAnswer() throws Exception {
        assertThat(get("/q/health/started").statusCode()).isEqualTo(200);
        assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/q/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("\"modelLoaded\": false");
        HttpResponse<String> metrics = get("/q/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
    }
}
