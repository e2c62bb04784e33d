package org.difflabel.cli;

import jakarta.inject.Inject;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.review.PendingReviews;
import org.difflabel.review.labelstudio.LabelStudioTasks;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code review-export --format label-studio --out DIR}: the pending review tasks (on
 * {@code labels.review}, without a decision on {@code labels.reviewed}) as a Label Studio project:
 * {@code DIR/tasks.json} to import, with the model's label as a prediction, and
 * {@code DIR/labeling-config.xml} for the project's labeling interface. {@code review-import} reads
 * Label Studio's JSON export of that project back.
 */
@Command(name = "review-export", mixinStandardHelpOptions = true,
        description = "Write the pending review tasks as a Label Studio project (tasks.json, labeling-config.xml).")
public class ReviewExportCommand implements Callable<Integer> {
    @Inject
    LabelerConfig config;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "label-studio (the only one)")
    String format;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder to write the files to")
    Path out;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "export at most N tasks, highest priority first (0: all)")
    int limit;

    @Option(names = "--image-url-prefix", paramLabel = "URL",
            description = "images as URL + event id (URL-encoded) instead of inline data URIs")
    String imageUrlPrefix;

    @Mixin
    ClusterArgs cluster;

    @Override
    public Integer call() throws Exception {
        try {
            if (!"label-studio".equals(format)) {
                throw new CommandFailure("--format: '" + format + "' is not supported (label-studio)", 2);
            }
            if (limit < 0) {
                throw new CommandFailure("--limit: must be 0 (all) or more", 2);
            }
            Map<String, Object> client = cluster.client(config);
            var registry = LabelingAssembly.registry(config, cluster.registry(config));
            PendingReviews queue = read(config, client, registry);
            List<ReviewTask> pending = queue.pendingTasks();
            List<ReviewTask> chosen = limit > 0 && pending.size() > limit ? pending.subList(0, limit) : pending;
            var written = LabelStudioTasks.write(out, chosen, imageUrlPrefix,
                    n -> System.err.printf("wrote %,d / %,d tasks%n", n, chosen.size()));
            System.err.printf("exported %d tasks to %s (%d labels in %s); %d already reviewed (not exported)%s%s%s%s%n",
                    written.exported(), out.resolve("tasks.json"), written.labels().size(),
                    out.resolve("labeling-config.xml"), queue.alreadyReviewed(),
                    chosen.size() < pending.size() ? "; " + (pending.size() - chosen.size()) + " left out by --limit" : "",
                    written.withoutImage() == 0 ? "" : "; " + written.withoutImage()
                            + " skipped: image not inlined in the task (give --image-url-prefix)",
                    written.reservedLabel() == 0 ? "" : "; " + written.reservedLabel() + " skipped: a candidate label is '"
                            + LabelStudioTasks.NONE_OF_THESE + "' or '" + LabelStudioTasks.UNUSABLE_IMAGE + "'",
                    queue.unreadable() == 0 ? "" : "; " + queue.unreadable() + " unreadable records skipped");
            return 0;
        } catch (CommandFailure e) {
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
    }

    /** labels.review minus labels.reviewed, read now (shared with review-import); progress on stderr. */
    static PendingReviews read(LabelerConfig config, Map<String, Object> client,
                               org.difflabel.registry.RegistryClient registry) {
        var topics = LabelingAssembly.topics(config);
        try {
            return PendingReviews.read(client, registry, topics.review(), topics.reviewed(),
                    n -> System.err.printf("read %,d records%n", n));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), 1);
        }
    }
}
