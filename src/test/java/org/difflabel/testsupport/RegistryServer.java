package org.difflabel.testsupport;

import org.difflabel.embedded.EmbeddedRegistry;

import java.nio.file.Path;

/**
 * The tests' schema registry: one {@link EmbeddedRegistry} per test JVM, started on first use
 * and destroyed when the JVM exits; its output goes to {@code target/apicurio-registry.log}.
 */
public final class RegistryServer {
    private static RegistryServer shared;

    private final EmbeddedRegistry registry;

    private RegistryServer(EmbeddedRegistry registry) {
        this.registry = registry;
    }

    /** The running instance, started on first call. */
    public static synchronized RegistryServer shared() {
        if (shared == null) {
            Path home = Path.of(System.getProperty("difflabel.registry.home", "target/apicurio-registry"));
            shared = new RegistryServer(EmbeddedRegistry.start(home));
        }
        return shared;
    }

    /** Base URL of the Confluent-compatible API, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public String url() {
        return registry.url();
    }
}
