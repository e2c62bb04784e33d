package org.difflabel.cli;

import org.difflabel.config.LabelerConfig;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Options of the commands that talk to a cluster: where it is and where its registry is (default: the worker's settings). */
public class ClusterArgs {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "default: kafka.bootstrap.servers")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL", description = "default: labeler.worker.registry-url")
    String registryUrl;

    String bootstrap() {
        return bootstrapServers != null ? bootstrapServers : ConfigProvider.getConfig()
                .getOptionalValue("kafka.bootstrap.servers", String.class).orElseThrow(() -> new CommandFailure(
                        "no cluster: give --bootstrap-servers or set kafka.bootstrap.servers (the embedded command"
                                + " prints one)", 2));
    }

    /** The cluster's client settings: the worker's ({@code labeler.worker.kafka.*}, e.g. security) with these servers. */
    java.util.Map<String, Object> client(LabelerConfig config) {
        java.util.Map<String, Object> client = new java.util.HashMap<>(config.worker().kafka());
        client.put("bootstrap.servers", bootstrap());
        return client;
    }

    String registry(LabelerConfig config) {
        return registryUrl != null ? registryUrl : config.worker().registryUrl().orElseThrow(() ->
                new CommandFailure("no schema registry: give --registry-url or set labeler.worker.registry-url", 2));
    }

    /** An ISO-8601 instant option, or null when not given; a malformed one is a usage error. */
    static Instant instant(String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new CommandFailure(option + ": '" + value + "' is not an ISO-8601 instant (e.g. 2026-11-01T00:00:00Z)", 2);
        }
    }
}
