package org.difflabel.cli;

import jakarta.inject.Inject;
import org.difflabel.config.LabelerConfig;
import org.difflabel.embedded.DataDir;
import org.difflabel.embedded.EmbeddedBanner;
import org.difflabel.embedded.EmbeddedCluster;
import org.difflabel.model.ManifestReader;
import org.difflabel.model.ModelManifest;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code embedded}: the single-node KRaft broker and the schema registry the worker starts by
 * itself, with the pipeline's topics, on their own, until stopped (Ctrl-C / SIGTERM). For local development against a
 * worker run elsewhere, and for {@code bench-stream} with the broker in another process (on other
 * cores). Keeps its data in {@code labeler.embedded.data-dir}, as the worker's embedded default does,
 * and listens on 9092 and 8081 when free. Prints a banner once both are up: {@code bootstrap.servers=...},
 * {@code registry.url=...} and commands to copy ({@link EmbeddedBanner}).
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
        LabelingTopics topics = LabelingAssembly.topics(config);
        try (EmbeddedCluster cluster = start(home)) {
            // the pipeline's topics, as the worker's embedded default has them
            LabelingAssembly.createEmbeddedTopics(config, Map.of("bootstrap.servers", cluster.bootstrapServers()));
            Path model = Path.of(config.model().path());
            System.out.print(new EmbeddedBanner(cluster.bootstrapServers(), cluster.registryUrl(), cluster.dataDir(),
                    topics.input(), topics.scored(), demoLabels(model), EmbeddedBanner.sampleImage(model), false).text());
            System.out.flush();
            stopped.await();
        } finally {
            closed.countDown();
        }
        return 0;
    }

    /** The configured model's demo vocabulary, from its manifest alone (this command loads no model). */
    private static List<String> demoLabels(Path model) {
        try {
            ModelManifest.Conditioning c = ManifestReader.read(model).conditioning();
            if (c.exampleLabels() != null) {
                return c.exampleLabels();
            }
            if (c.classNames() != null) {
                return c.classNames();
            }
            return Files.readAllLines(model.resolve(c.classNamesFile())).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
        } catch (RuntimeException | IOException e) {
            return List.of("LABEL", "OTHER-LABEL"); // a placeholder: the banner still shows the command's shape
        }
    }

    private EmbeddedCluster start(Path home) throws Exception {
        try {
            return EmbeddedCluster.start(Path.of(config.embedded().dataDir()), home, config.embedded().kafkaPort(),
                    config.embedded().registryPort());
        } catch (DataDir.InUseException e) {
            throw new CommandFailure(e.getMessage(), 1);
        }
    }
}
