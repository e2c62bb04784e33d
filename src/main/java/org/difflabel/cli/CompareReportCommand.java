package org.difflabel.cli;

import jakarta.inject.Inject;
import org.apache.kafka.clients.CommonClientConfigs;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.LabelComparison;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.BadPayloadException;
import org.difflabel.replay.ComparisonPage;
import org.difflabel.replay.ComparisonReport;
import org.difflabel.replay.TopicReader;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code compare-report}: reads {@code labels.diff} and prints what a challenger changes (Markdown on
 * stdout); {@code --html FILE} writes the same as one self-contained page with the flip matrix as a
 * heat map and confidence histograms.
 */
@Command(name = "compare-report", mixinStandardHelpOptions = true,
        description = "Agreement, flips, fixed/broken against human labels and cost: challenger vs champion.")
public class CompareReportCommand implements Callable<Integer> {
    @Inject
    LabelerConfig config;

    @Option(names = "--diff", description = "comparison topic (default: labeler.topics.diff)")
    String diff;

    @Option(names = "--from", paramLabel = "ISO-8601", description = "only comparisons made at or after this time")
    String from;

    @Option(names = "--to", paramLabel = "ISO-8601", description = "only comparisons made before this time")
    String to;

    @Option(names = "--html", paramLabel = "FILE", description = "also write the report as a self-contained HTML page")
    Path html;

    @Mixin
    ClusterArgs cluster;

    @Override
    public Integer call() throws Exception {
        try {
            Instant start = ClusterArgs.instant("--from", from);
            Instant end = ClusterArgs.instant("--to", to);
            String bootstrap = cluster.bootstrap();
            String registry = cluster.registry(config);
            String topic = diff != null ? diff : config.topics().diff();
            var reader = new AvroWireDeserializer<>(LabelingAssembly.registry(config, registry), LabelComparison.class);
            Map<String, Object> client = new HashMap<>(config.worker().kafka());
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            List<LabelComparison> comparisons = new ArrayList<>();
            int[] unreadable = {0};
            long n;
            try {
                n = TopicReader.readAll(client, topic, r -> {
                    try {
                        LabelComparison c = reader.deserialize(r.topic(), r.value());
                        if (c != null && (start == null || !c.getComparedAt().isBefore(start))
                                && (end == null || c.getComparedAt().isBefore(end))) {
                            comparisons.add(c);
                        }
                    } catch (BadPayloadException e) {
                        unreadable[0]++;
                    }
                });
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage(), 1);
            }
            ComparisonReport report = ComparisonReport.of(comparisons);
            System.out.printf("# Challenger vs champion: %s%n%n%d records read, %d in the window%s%n%n", topic, n,
                    comparisons.size(), unreadable[0] == 0 ? "" : ", " + unreadable[0] + " unreadable (skipped)");
            System.out.print(report.markdown());
            if (html != null) {
                Files.writeString(html, ComparisonPage.render(report, "Challenger vs champion (" + topic + ")"));
                System.err.println("wrote " + html);
            }
            return 0;
        } catch (CommandFailure e) {
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
    }
}
