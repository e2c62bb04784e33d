package org.difflabel.cli;

import jakarta.inject.Inject;
import org.difflabel.config.LabelerConfig;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.embedded.EmbeddedRegistry;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code embedded}: the single-node KRaft broker and the schema registry the worker starts by
 * itself, with the pipeline's topics, on their own, until stopped (Ctrl-C / SIGTERM). For local development against a
 * worker run elsewhere, and for {@code bench-stream} with the broker in another process (on other
 * cores). Prints {@code bootstrap.servers=...} and {@code registry.url=...} once both are up.
 */
@Command(name = "embedded", mixinStandardHelpOptions = true,
        description = "Run the embedded Kafka broker and schema registry alone, until stopped.")
public class EmbeddedCommand implements Callable<Integer> {
    @Inject
    LabelerConfig config;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(config.embedded().registryHome());
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // on SIGTERM: let the main thread close the broker and the registry before the JVM exits
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopped.countDown();
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "embedded-stop"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
             EmbeddedRegistry registry = EmbeddedRegistry.start(home)) {
            // the pipeline's topics, as the worker's embedded default has them
            LabelingAssembly.createEmbeddedTopics(config, Map.of("bootstrap.servers", kafka.bootstrapServers()));
            System.out.println("bootstrap.servers=" + kafka.bootstrapServers());
            System.out.println("registry.url=" + registry.url());
            System.out.flush();
            stopped.await();
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
