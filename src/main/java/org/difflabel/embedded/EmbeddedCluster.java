package org.difflabel.embedded;

import java.nio.file.Path;

/**
 * The embedded default's servers on one data folder: the folder's lock, the broker with its log
 * directory in it, and the registry with its database in it. Started together (the worker's
 * default run mode and the {@code embedded} command), stopped in reverse order, the lock released
 * last, once nothing writes into the folder any more.
 */
public final class EmbeddedCluster implements AutoCloseable {
    private final DataDir data;
    private final EmbeddedKafka kafka;
    private final EmbeddedRegistry registry;

    private EmbeddedCluster(DataDir data, EmbeddedKafka kafka, EmbeddedRegistry registry) {
        this.data = data;
        this.kafka = kafka;
        this.registry = registry;
    }

    /**
     * Locks {@code dataDir} and starts the broker and the registry on it, on their preferred ports
     * when free ({@link ListenPort}).
     *
     * @throws DataDir.InUseException when another running instance holds the folder
     */
    public static EmbeddedCluster start(Path dataDir, Path registryHome, int kafkaPort, int registryPort) throws Exception {
        DataDir data = DataDir.lock(dataDir);
        EmbeddedKafka kafka = null;
        try {
            kafka = EmbeddedKafka.start(data.kafka(), kafkaPort);
            EmbeddedRegistry registry = EmbeddedRegistry.start(registryHome, data.root().resolve("registry.log"),
                    registryPort, data.registry());
            return new EmbeddedCluster(data, kafka, registry);
        } catch (Exception | Error e) {
            if (kafka != null) {
                kafka.close();
            }
            data.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Base URL of the registry's Confluent-compatible API. */
    public String registryUrl() {
        return registry.url();
    }

    public Path dataDir() {
        return data.root();
    }

    @Override
    public void close() throws Exception {
        try {
            registry.close();
            kafka.close();
        } finally {
            data.close();
        }
    }
}
