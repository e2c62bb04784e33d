package org.difflabel.cli;

import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Schedule;
import org.difflabel.model.LabelModel;
import org.difflabel.model.LabelRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * {@code accuracy --data DIR}: classifies a folder of labelled images ({@code DIR/<label>/*.png})
 * and prints accuracy, mean confidence, NLL and ECE. Each image's request id is its path under
 * DIR ({@code <label>/<file>}), so its noise is the same as in the Python evaluation.
 */
@Command(name = "accuracy", mixinStandardHelpOptions = true,
        description = "Accuracy and calibration on a folder of labelled images (DIR/<label>/<image>).")
public class AccuracyCommand extends ModelCommand {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "folder with one subfolder per label")
    Path data;

    @Option(names = "--labels", split = ",", description = "vocabulary (default: the subfolder names, sorted)")
    List<String> labels;

    @Option(names = "--prompt-template", description = "text models: prompt per label, {label} is replaced")
    String promptTemplate;

    @Option(names = "--limit", defaultValue = "0", description = "use N images spread over the folder (0: all)")
    int limit;

    @Option(names = "--parallel", defaultValue = "1",
            description = "images classified at once (with --threads 1, one per core is fastest on CPU)")
    int parallel;

    @Option(names = "--bins", defaultValue = "15", description = "ECE bins (default: ${DEFAULT-VALUE})")
    int bins;

    @Option(names = "--output", paramLabel = "FILE",
            description = "also write one JSON line per image: id, true label, each label's probability, mean error, "
                    + "samples and mean error after each stage (for calibration studies)")
    Path output;

    /** One labelled image. */
    record Item(String id, String label, Path file) {
    }

    @Override
    int run() throws Exception {
        if (!Files.isDirectory(data)) {
            System.err.println("error: --data " + data + " is not a folder");
            return 2;
        }
        List<Item> all = items(data);
        List<String> vocab = labels != null ? labels : all.stream().map(Item::label).distinct().sorted().toList();
        List<Item> items = spread(all, limit);
        if (items.isEmpty()) {
            System.err.println("error: no images under " + data + " (expected DIR/<label>/<image>)");
            return 2;
        }
        try (LabelModel m = model.load(config)) {
            Schedule schedule = model.scheduleOrDefault(config, m, vocab.size());
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
            List<Future<Posterior>> futures = new ArrayList<>();
            for (Item it : items) {
                futures.add(pool.submit(() -> m.classify(new LabelRequest(it.id(), Files.readAllBytes(it.file()), vocab,
                        promptTemplate, schedule, model.temperature(config), model.budget(config)))));
            }
            Calibration cal = new Calibration(bins);
            java.io.PrintWriter lines = output == null ? null
                    : new java.io.PrintWriter(Files.newBufferedWriter(output, java.nio.charset.StandardCharsets.UTF_8));
            long start = System.nanoTime();
            long evaluations = 0;
            long[] perImage = new long[items.size()];
            int limited = 0;
            int failed = 0;
            for (int i = 0; i < items.size(); i++) {
                try {
                    Posterior p = futures.get(i).get();
                    evaluations += p.evaluations();
                    perImage[cal.count()] = p.evaluations();
                    limited += p.budgetLimited() ? 1 : 0;
                    cal.add(p, items.get(i).label());
                    if (lines != null) {
                        lines.println(ResultLine.json(items.get(i).id(), items.get(i).label(), p));
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    failed++;
                    Throwable c = e.getCause();
                    System.err.println("error: " + items.get(i).file() + ": "
                            + (c instanceof ClassificationException ce ? ce.code() + ": " : "") + c.getMessage());
                }
                if ((i + 1) % 100 == 0 || i + 1 == items.size()) {
                    double el = (System.nanoTime() - start) / 1e9;
                    System.err.printf(Locale.ROOT, "  %d/%d images, accuracy so far %.4f, %.0f s (eta %.0f s)%n", i + 1,
                            items.size(), cal.accuracy(), el, el / (i + 1) * (items.size() - i - 1));
                }
            }
            pool.shutdown();
            if (lines != null) {
                lines.close();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "model %s %s, %d images, %d labels, plan %s, temperature %s%n",
                    m.manifest().id(), m.manifest().version(), cal.count(), vocab.size(), schedule.spec(),
                    model.temperature(config) != null ? model.temperature(config) : m.temperature(schedule));
            System.out.printf(Locale.ROOT, "accuracy %.4f  mean confidence %.4f  NLL %.4f  ECE %.4f%n",
                    cal.accuracy(), cal.meanConfidence(), cal.nll(), cal.ece());
            EvaluationCounts counts = EvaluationCounts.of(java.util.Arrays.copyOf(perImage, cal.count()));
            System.out.printf(Locale.ROOT, "evaluations per image: mean %.1f  p50 %d  p95 %d  max %d%s%n", counts.mean(),
                    counts.p50(), counts.p95(), counts.max(),
                    limited > 0 ? String.format(Locale.ROOT, "  (%d budget-limited)", limited) : "");
            System.out.printf(Locale.ROOT, "%d evaluations in %.1f s (%.0f evaluations/s), %d failed%n", evaluations, seconds,
                    evaluations / seconds, failed);
            return failed == 0 ? 0 : 1;
        }
    }

    /** Every (n / limit)-th item, so a limited run still covers every label. */
    static List<Item> spread(List<Item> all, int limit) {
        if (limit <= 0 || all.size() <= limit) {
            return all;
        }
        List<Item> out = new ArrayList<>(limit);
        for (int i = 0; i < limit; i++) {
            out.add(all.get((int) ((long) i * all.size() / limit)));
        }
        return out;
    }

    /** The labelled images of {@code data}: {@code <label>/<file>}, sorted. */
    static List<Item> items(Path data) throws IOException {
        List<Item> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(data)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        String label = dir.getFileName().toString();
                        out.add(new Item(label + "/" + f.getFileName(), label, f));
                    }
                }
            }
        }
        return out;
    }
}
