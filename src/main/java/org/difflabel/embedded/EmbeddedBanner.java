package org.difflabel.embedded;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the embedded default prints once it is up, for a person at the terminal: where the broker
 * and registry listen (as {@code bootstrap.servers=} and {@code registry.url=} lines, which scripts
 * read too), where the data is kept, and commands to copy: send an image with the Node client,
 * read the results, and (for the {@code embedded} command, which runs no worker) start a worker.
 *
 * @param labels a vocabulary for the example image (the model's demo labels)
 * @param image  an image to send, relative to the working directory as the commands run there; null: a placeholder
 * @param worker whether a worker runs on this cluster already (the default run mode) or must be started
 */
public record EmbeddedBanner(String bootstrap, String registryUrl, Path dataDir, String inputTopic, String scoredTopic,
                             List<String> labels, Path image, boolean worker) {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:,=@+%-]+");

    public String text() {
        String send = command("node", "interop/worker-client.js", bootstrap, registryUrl, inputTopic, scoredTopic,
                String.join(",", labels), image == null ? "IMAGE.png" : image.toString());
        String read = command("node", "interop/read-results.js", bootstrap, registryUrl, scoredTopic);
        StringBuilder b = new StringBuilder();
        b.append("embedded Kafka and schema registry; data kept in ").append(dataDir)
                .append(" (delete it to start afresh)\n");
        b.append("bootstrap.servers=").append(bootstrap).append('\n');
        b.append("registry.url=").append(registryUrl).append('\n');
        if (!worker) {
            b.append("start a worker on it (another terminal):\n  KAFKA_BOOTSTRAP_SERVERS=").append(bootstrap)
                    .append(" LABELER_WORKER_REGISTRY_URL=").append(registryUrl)
                    .append(" java -jar target/quarkus-app/quarkus-run.jar\n");
        }
        b.append("send an image (Node client, from the project folder; once: npm ci --prefix interop):\n  ")
                .append(send).append('\n');
        b.append("read the results (until Ctrl-C):\n  ").append(read).append('\n');
        return b.toString();
    }

    /** The first sample image ({@code samples/*.png}) of a model folder, for the example command; null if none. */
    public static Path sampleImage(Path modelFolder) {
        try (Stream<Path> files = java.nio.file.Files.list(modelFolder.resolve("samples"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".png")).sorted().findFirst().orElse(null);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** A command line to paste into a POSIX shell: words quoted where they need it. */
    static String command(String... words) {
        return Stream.of(words).map(EmbeddedBanner::word).collect(Collectors.joining(" "));
    }

    private static String word(String w) {
        return PLAIN.matcher(w).matches() ? w : "'" + w.replace("'", "'\\''") + "'";
    }
}
