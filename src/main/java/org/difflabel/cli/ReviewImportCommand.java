package org.difflabel.cli;

import jakarta.inject.Inject;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.review.DecisionPublisher;
import org.difflabel.review.DecisionPublisher.Reviewed;
import org.difflabel.review.DecisionsNotSavedException;
import org.difflabel.review.PendingReviews;
import org.difflabel.review.ReviewRecords;
import org.difflabel.review.labelstudio.LabelStudioExport;
import org.difflabel.review.labelstudio.LabelStudioFormatException;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code review-import --file EXPORT.json}: publishes the decisions of a Label Studio JSON export of a
 * project made by {@code review-export}, as if made in the review UI (source LABEL_STUDIO, reviewer
 * = the annotator): {@code ReviewedLabel}s to {@code labels.reviewed} and the human labels to
 * {@code labels.accepted}, in transactions of {@value #BATCH}. The whole file is checked first (its
 * format, every answer against its task, every event known): a file with any problem publishes
 * nothing. Events that already have a decision are skipped and listed, so importing the same file
 * twice publishes its decisions once.
 */
@Command(name = "review-import", mixinStandardHelpOptions = true,
        description = "Publish the decisions of a Label Studio JSON export (of a review-export project) to labels.reviewed.")
public class ReviewImportCommand implements Callable<Integer> {
    static final int BATCH = 500;

    @Inject
    LabelerConfig config;

    @Option(names = "--file", required = true, paramLabel = "EXPORT.json", description = "Label Studio export, JSON format")
    Path file;

    @Mixin
    ClusterArgs cluster;

    @Override
    public Integer call() throws Exception {
        try {
            List<LabelStudioExport.Task> tasks;
            try {
                tasks = LabelStudioExport.read(file);
            } catch (NoSuchFileException e) {
                throw new CommandFailure("--file " + file + ": no such file", 2);
            } catch (LabelStudioFormatException e) {
                throw new CommandFailure(file + ": " + e.getMessage() + "\nnothing was published", 2);
            }
            Map<String, Object> client = cluster.client(config);
            var registry = LabelingAssembly.registry(config, cluster.registry(config));
            var topics = LabelingAssembly.topics(config);
            PendingReviews queue = ReviewExportCommand.read(config, client, registry);

            // every check before the first publish: a file with a problem publishes nothing
            Instant now = Instant.now();
            List<Reviewed> decisions = new ArrayList<>();
            List<String> alreadyReviewed = new ArrayList<>();
            List<String> unannotated = new ArrayList<>();
            List<String> unknown = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (LabelStudioExport.Task t : tasks) {
                if (queue.isReviewed(t.eventId())) {
                    alreadyReviewed.add(t.eventId());
                    continue;
                }
                ReviewTask task = queue.pending(t.eventId());
                if (task == null) {
                    unknown.add(t.eventId());
                    continue;
                }
                if (!t.annotated()) {
                    unannotated.add(t.eventId());
                    continue;
                }
                try {
                    var a = t.annotation();
                    ReviewedLabel label = ReviewRecords.reviewed(task, a.decision(task), a.annotator(),
                            ReviewSource.LABEL_STUDIO, a.at() != null ? a.at() : now);
                    decisions.add(new Reviewed(task, label));
                } catch (LabelStudioFormatException e) {
                    problems.add(e.getMessage());
                }
            }
            if (!unknown.isEmpty()) {
                problems.add(0, unknown.size() + " event(s) not on " + topics.review() + " (wrong file or cluster?): "
                        + shortList(unknown));
            }
            if (!problems.isEmpty()) {
                throw new CommandFailure(file + ": " + new LabelStudioFormatException(problems).getMessage()
                        + "\nnothing was published", 2);
            }

            int published = 0;
            try (DecisionPublisher publisher = new DecisionPublisher(client, "review-import", topics.reviewed(),
                    topics.accepted(), registry, Duration.ofSeconds(30))) {
                for (int from = 0; from < decisions.size(); from += BATCH) {
                    List<Reviewed> batch = decisions.subList(from, Math.min(decisions.size(), from + BATCH));
                    publisher.publish(batch);
                    published += batch.size();
                    if (decisions.size() > BATCH) {
                        System.err.printf("published %,d / %,d decisions%n", published, decisions.size());
                    }
                }
            } catch (DecisionsNotSavedException e) {
                throw new CommandFailure("publishing failed after " + published + " of " + decisions.size()
                        + " decisions (those are saved; run the import again for the rest): " + e.getMessage(), 1);
            }

            Map<ReviewOutcome, Integer> outcomes = new EnumMap<>(ReviewOutcome.class);
            decisions.forEach(d -> outcomes.merge(d.label().getOutcome(), 1, Integer::sum));
            System.out.printf("published %d decisions to %s (%d confirmed, %d corrected, %d rejected) and %d human labels"
                            + " to %s%n", published, topics.reviewed(), outcomes.getOrDefault(ReviewOutcome.CONFIRMED, 0),
                    outcomes.getOrDefault(ReviewOutcome.CORRECTED, 0), outcomes.getOrDefault(ReviewOutcome.REJECTED, 0),
                    published - outcomes.getOrDefault(ReviewOutcome.REJECTED, 0), topics.accepted());
            System.out.printf("skipped %d already reviewed%s%n", alreadyReviewed.size(),
                    alreadyReviewed.isEmpty() ? "" : ": " + shortList(alreadyReviewed));
            System.out.printf("unannotated %d (no answer in Label Studio yet)%s%n", unannotated.size(),
                    unannotated.isEmpty() ? "" : ": " + shortList(unannotated));
            if (queue.unreadable() > 0) {
                System.err.printf("warning: %d unreadable records on the review topics were skipped%n", queue.unreadable());
            }
            return 0;
        } catch (CommandFailure e) {
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
    }

    /** The first ids of {@code ids} and how many more: enough to find them, short enough to read. */
    private static String shortList(List<String> ids) {
        return String.join(", ", ids.subList(0, Math.min(10, ids.size())))
                + (ids.size() > 10 ? " and " + (ids.size() - 10) + " more" : "");
    }
}
