package org.difflabel.cli;

import org.difflabel.model.LabelModel;
import org.difflabel.replay.WindowResolver;
import org.difflabel.worker.LabelingAssembly;
import org.difflabel.worker.RescoreRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;

/**
 * {@code rescore}: a bounded replay of the input topic with another model version. Results go to
 * {@code labels.rescored} and the comparison with the champion to {@code labels.diff}; nothing is
 * written to {@code labels.accepted} or {@code labels.review}.
 */
@Command(name = "rescore", mixinStandardHelpOptions = true,
        description = "Re-score a window of the input topic with a model version (exactly once, resumable).")
public class RescoreCommand extends ModelCommand {
    @Option(names = "--from", paramLabel = "ISO-8601", description = "window start, e.g. 2026-11-01T00:00:00Z")
    String from;

    @Option(names = "--from-offsets", paramLabel = "earliest",
            description = "earliest: from the oldest record the topic still holds (the default without --from)")
    String fromOffsets;

    @Option(names = "--to", paramLabel = "ISO-8601", description = "window end, exclusive (default: the end of each partition now)")
    String to;

    @Option(names = "--input", description = "topic to re-score (default: labeler.topics.input)")
    String input;

    @Option(names = "--output", description = "results topic (default: labeler.topics.rescored)")
    String output;

    @Option(names = "--diff", description = "comparison topic (default: labeler.topics.diff)")
    String diff;

    @Option(names = "--dry-run", description = "print the window per partition and exit")
    boolean dryRun;

    @Mixin
    ClusterArgs cluster;

    @Override
    int run() throws Exception {
        if (from != null && fromOffsets != null) {
            throw new CommandFailure("give --from or --from-offsets, not both", 2);
        }
        if (fromOffsets != null && !fromOffsets.equals("earliest")) {
            throw new CommandFailure("--from-offsets takes only 'earliest', not '" + fromOffsets + "'", 2);
        }
        Instant start = ClusterArgs.instant("--from", from);
        Instant end = ClusterArgs.instant("--to", to);
        if (start != null && end != null && !start.isBefore(end)) {
            throw new CommandFailure("--from " + start + " is not before --to " + end, 2);
        }
        String bootstrap = cluster.bootstrap();
        String registry = cluster.registry(config);
        try (LabelModel m = model.load(config, config.streamThreads())) {
            LabelingAssembly assembly = LabelingAssembly.of(config, m, bootstrap, LabelingAssembly.registry(config, registry))
                    .withScoring(model.schedule(config, m), model.temperature(config));
            var topics = assembly.topics();
            if (input != null) {
                topics = topics.withInput(input);
            }
            if (output != null) {
                topics = topics.withRescored(output);
            }
            if (diff != null) {
                topics = topics.withDiff(diff);
            }
            RescoreRun run = new RescoreRun(assembly.withTopics(topics), config.worker().kafka(),
                    config.replay().progressInterval(), System.out, System.err);
            try {
                WindowResolver.Resolved window = run.resolve(start, end);
                if (dryRun) {
                    run.print(window, start);
                    return 0;
                }
                run.print(window, start);
                run.run(window.window());
                return 0;
            } catch (RescoreRun.RescoreException e) {
                throw new CommandFailure(e.getMessage(), 1);
            }
        }
    }
}
