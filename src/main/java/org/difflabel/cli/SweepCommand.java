package org.difflabel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.difflabel.calibration.TemperatureFit;
import org.difflabel.classifier.Budget;
import org.difflabel.classifier.DiffusionClassifier;
import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.SamplingPlan;
import org.difflabel.classifier.Schedule;
import org.difflabel.classifier.Stage;
import org.difflabel.classifier.TimestepWeights;
import org.difflabel.model.LabelModel;
import org.difflabel.model.LabelRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * {@code sweep --data DIR [--fit VALDIR]}: accuracy, NLL, ECE and evaluations per image of many
 * sampling plans on the same images, side by side.
 *
 * <p>Every plan visits a subset of the same shared (t, eps) samples of a request (the first
 * {@code --grid} of its {@link SamplingPlan}), so each image is evaluated once, flat, for every
 * label on all of them (the error table, cached), and every plan is then run on that table by
 * {@link DiffusionClassifier#replay}, the same decision code the live classifier runs: each
 * plan's decisions, probabilities and evaluation counts are what a live request would get.
 *
 * <p>With {@code --fit}, the model's timestep weights and every plan's temperature are fitted on
 * those (validation) images, never on {@code --data}; the sequential plan for the model is chosen
 * there too (the cheapest whose validation accuracy is within {@code --tolerance} of the model's
 * default stages), and {@code --write-fit} writes the result for {@code onnx-models/tools/set_plan.py}.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Accuracy, NLL, ECE and evaluations/image of many sampling plans on the same images.")
public class SweepCommand extends ModelCommand {
    private static final int CACHE_FORMAT = 1;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "evaluation images (DIR/<label>/<image>)")
    Path data;

    @Option(names = "--fit", paramLabel = "DIR",
            description = "validation images: fit timestep weights and each plan's temperature here (never on --data)")
    Path fit;

    @Option(names = "--plans", split = ";", paramLabel = "PLAN",
            description = "plans separated by ';' (default: flat 8/16/32/64, the model's stages, sequential variants)")
    List<String> plans;

    @Option(names = "--grid", defaultValue = "64", description = "samples per label in the error table (default: ${DEFAULT-VALUE})")
    int grid;

    @Option(names = "--labels", split = ",", description = "vocabulary (default: the subfolder names, sorted)")
    List<String> labels;

    @Option(names = "--prompt-template", description = "text models: prompt per label, {label} is replaced")
    String promptTemplate;

    @Option(names = "--limit", defaultValue = "0", description = "use N images spread over each folder (0: all)")
    int limit;

    @Option(names = "--parallel", defaultValue = "1", description = "images evaluated at once")
    int parallel;

    @Option(names = "--bins", defaultValue = "15", description = "ECE bins (default: ${DEFAULT-VALUE})")
    int bins;

    @Option(names = "--tolerance", defaultValue = "0.003",
            description = "accuracy a chosen sequential plan may lose to the default stages on validation (default: ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--cache", paramLabel = "DIR", defaultValue = "target/sweep-cache",
            description = "where error tables are kept between runs (default: ${DEFAULT-VALUE})")
    Path cache;

    @Option(names = "--write-fit", paramLabel = "FILE", description = "write the fitted weights and sequential plan as JSON")
    Path writeFit;

    /** One image's errors: {@code errors[label][sample]} over the first {@code grid} samples of its plan. */
    record Table(String id, String truth, double[][] errors) {
        /** The label with the lowest mean error over every sample of the table: the full budget's answer. */
        int fullBudgetTop() {
            int best = 0;
            double bestMean = Double.POSITIVE_INFINITY;
            for (int label = 0; label < errors.length; label++) {
                double mean = java.util.Arrays.stream(errors[label]).average().orElse(Double.NaN);
                if (mean < bestMean) {
                    bestMean = mean;
                    best = label;
                }
            }
            return best;
        }
    }

    /** One plan's figures on one set of images. */
    record Row(String plan, double temperature, Calibration calibration, EvaluationCounts counts, double agreement,
               String bound) {
    }

    @Override
    int run() throws Exception {
        try (LabelModel m = model.load(config)) {
            List<AccuracyCommand.Item> evalItems = AccuracyCommand.spread(AccuracyCommand.items(data), limit);
            if (evalItems.isEmpty()) {
                throw new CommandFailure("no images under " + data + " (expected DIR/<label>/<image>)", 2);
            }
            List<String> vocab = labels != null ? labels
                    : evalItems.stream().map(AccuracyCommand.Item::label).distinct().sorted().toList();
            List<Table> test = tables(m, data, evalItems, vocab);
            List<Table> validation = fit == null ? null
                    : tables(m, fit, AccuracyCommand.spread(AccuracyCommand.items(fit), limit), vocab);

            TimestepWeights weights = validation != null ? fitWeights(m, validation, vocab) : m.timestepWeights();
            List<Schedule> schedules = schedules(m, vocab.size());
            Schedule defaults = m.defaultSchedule(vocab.size());
            if (!(defaults instanceof Schedule.Staged)) {
                defaults = new Schedule.Staged(m.defaultStages(vocab.size()));
            }
            System.out.printf(Locale.ROOT, "model %s %s, %d labels, %d images (%s)%s, error table %d samples per label%n",
                    m.manifest().id(), m.manifest().version(), vocab.size(), test.size(), data,
                    validation == null ? "" : String.format(Locale.ROOT, "; fitted on %d validation images (%s)",
                            validation.size(), fit), grid);
            if (weights != null) {
                System.out.println("timestep weights (ascending t, grid " + weights.grid() + "): "
                        + format(weights.weights()));
            }

            Map<String, Double> temperatures = new LinkedHashMap<>();
            List<Row> valRows = new ArrayList<>();
            for (Schedule s : schedules) {
                double t = validation == null ? m.temperature(s) : fitTemperature(m, validation, vocab, s, weights);
                temperatures.put(s.spec(), t);
                if (validation != null) {
                    valRows.add(evaluate(m, validation, vocab, s, weights, t));
                }
            }
            if (validation != null) {
                System.out.println();
                System.out.println("validation (temperatures fitted here):");
                print(valRows, defaults.spec());
            }
            List<Row> rows = new ArrayList<>();
            for (Schedule s : schedules) {
                rows.add(evaluate(m, test, vocab, s, weights, temperatures.get(s.spec())));
            }
            System.out.println();
            System.out.println("evaluation (" + data + ")" + (validation == null ? ", the model's temperatures:"
                    : ", each plan at its validation temperature:"));
            print(rows, defaults.spec());

            if (validation != null) {
                Row chosen = choose(valRows, defaults.spec());
                System.out.println();
                if (chosen == null) {
                    System.out.println("no sequential plan is within " + tolerance + " of the default stages' accuracy and agrees"
                            + " with the full budget as often as they do on validation");
                } else {
                    System.out.println("chosen on validation (the cheapest sequential plan within " + tolerance
                            + " accuracy of the default stages that agrees with the full budget at least as often as they do): "
                            + chosen.plan());
                    if (writeFit != null) {
                        writeFit(m, (Schedule.Sequential) m.parseSchedule(chosen.plan()), chosen.temperature(), weights,
                                validation.size());
                        System.out.println("wrote " + writeFit);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%npeak RSS %d MiB%n", BenchCommand.peakRssKib() / 1024);
            return 0;
        }
    }

    /** The plans to compare: given, or flat K up to the grid, the model's stages and sequential variants. */
    private List<Schedule> schedules(LabelModel m, int labels) {
        List<Schedule> out = new ArrayList<>();
        if (plans != null) {
            for (String p : plans) {
                try {
                    out.add(m.parseSchedule(p));
                } catch (IllegalArgumentException e) {
                    throw new CommandFailure("--plans: " + e.getMessage(), 2);
                }
            }
        } else {
            for (int k = 8; k <= grid; k *= 2) {
                out.add(new Schedule.Staged(List.of(new Stage(k, 1))));
            }
            out.add(new Schedule.Staged(m.defaultStages(labels)));
            // the weighted error average over all samples, no elimination (what weights alone do)
            out.add(Schedule.parse("sequential:block=" + grid + ",min=" + grid + ",max=" + grid + ",level=0.01,weights=on"));
            for (String level : List.of("0.001", "0.01", "0.05")) {
                for (String variant : List.of("block=2,min=4", "block=4,min=4", "block=4,min=8", "block=8,min=8")) {
                    out.add(Schedule.parse("sequential:" + variant + ",max=" + grid + ",level=" + level + ",weights=off"));
                }
            }
            out.add(Schedule.parse("sequential:block=4,min=4,max=" + grid + ",level=0.01,weights=on"));
        }
        for (Schedule s : out) {
            if (s.maxSamples() > grid) {
                throw new CommandFailure("plan " + s.spec() + " needs " + s.maxSamples() + " samples; --grid is " + grid, 2);
            }
        }
        return out;
    }

    private Row evaluate(LabelModel m, List<Table> tables, List<String> vocab, Schedule s, TimestepWeights weights,
                         double temperature) {
        Calibration cal = new Calibration(bins);
        long[] evals = new long[tables.size()];
        int agree = 0;
        for (int i = 0; i < tables.size(); i++) {
            Posterior p = replay(m, tables.get(i), vocab, s, weights, temperature);
            cal.add(p, tables.get(i).truth());
            evals[i] = p.evaluations();
            agree += p.top().label().equals(vocab.get(tables.get(i).fullBudgetTop())) ? 1 : 0;
        }
        String bound = s instanceof Schedule.Sequential seq
                ? String.format(Locale.ROOT, "%.3g", seq.familyWiseBound(vocab.size())) : "";
        return new Row(s.spec(), temperature, cal, EvaluationCounts.of(evals), (double) agree / tables.size(), bound);
    }

    private static Posterior replay(LabelModel m, Table t, List<String> vocab, Schedule s, TimestepWeights weights,
                                    double temperature) {
        return DiffusionClassifier.replay(t.errors(), vocab, m.samplingPlan(t.id()), s, weights, temperature, Budget.NONE);
    }

    private double fitTemperature(LabelModel m, List<Table> tables, List<String> vocab, Schedule s, TimestepWeights weights) {
        return TemperatureFit.minimize(temperature -> {
            Calibration cal = new Calibration(bins);
            for (Table t : tables) {
                cal.add(replay(m, t, vocab, s, weights, temperature), t.truth());
            }
            return cal.nll();
        }, m.temperature(s));
    }

    /**
     * Timestep weights and scales from validation tables: for each grid timestep, over (image,
     * wrong label), the standard deviation of err(wrong) - err(true) (the scale), and its mean
     * over its variance (the Fisher discriminant weight of independent features), clipped at 0
     * and scaled to mean 1.
     */
    private TimestepWeights fitWeights(LabelModel m, List<Table> tables, List<String> vocab) {
        double[] sum = new double[grid];
        double[] sumSq = new double[grid];
        long n = 0;
        for (Table t : tables) {
            SamplingPlan plan = m.samplingPlan(t.id());
            int[] rankOf = TimestepWeights.ranks(plan, grid);
            int truth = vocab.indexOf(t.truth());
            if (truth < 0) {
                continue;
            }
            for (int label = 0; label < vocab.size(); label++) {
                if (label == truth) {
                    continue;
                }
                for (int j = 0; j < grid; j++) {
                    double d = t.errors()[label][j] - t.errors()[truth][j];
                    sum[rankOf[j]] += d;
                    sumSq[rankOf[j]] += d * d;
                }
                n++;
            }
        }
        double[] w = new double[grid];
        double[] scale = new double[grid];
        double total = 0;
        for (int r = 0; r < grid; r++) {
            double mean = sum[r] / n;
            double var = sumSq[r] / n - mean * mean;
            w[r] = mean > 0 && var > 0 ? mean / var : 0;
            scale[r] = Math.sqrt(Math.max(var, Double.MIN_NORMAL));
            total += w[r];
        }
        for (int r = 0; r < grid; r++) {
            w[r] = w[r] * grid / total;
        }
        return new TimestepWeights(grid, w, scale);
    }

    private Row choose(List<Row> valRows, String defaultSpec) {
        Row base = valRows.stream().filter(r -> r.plan().equals(defaultSpec)).findFirst().orElse(null);
        if (base == null) {
            return null;
        }
        // accuracy alone cannot resolve a few tenths of a point on a validation split of hundreds of
        // images (a first version of this rule picked a plan that lost 1.1 points on MNIST's test
        // split); agreement with the full budget is the finer signal: a plan may not change the
        // full budget's answer more often than the default stages do
        return valRows.stream().filter(r -> r.plan().startsWith("sequential"))
                .filter(r -> r.calibration().accuracy() >= base.calibration().accuracy() - tolerance)
                .filter(r -> r.agreement() >= base.agreement())
                .min(java.util.Comparator.comparingDouble((Row r) -> r.counts().mean())).orElse(null);
    }

    private void print(List<Row> rows, String defaultSpec) {
        Row base = rows.stream().filter(r -> r.plan().equals(defaultSpec)).findFirst().orElse(null);
        System.out.println("| plan | T | accuracy | NLL | ECE | evaluations/image mean | p50 | p95 | max | vs default stages "
                + "| same top label as flat " + grid + " | Bonferroni bound |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            Calibration c = r.calibration();
            String vs = base == null ? "" : String.format(Locale.ROOT, "%.2fx evaluations, %+.2f points",
                    r.counts().mean() / base.counts().mean(), 100 * (c.accuracy() - base.calibration().accuracy()));
            System.out.printf(Locale.ROOT, "| `%s`%s | %.3g | %.2f%% | %.4f | %.4f | %.1f | %d | %d | %d | %s | %.2f%% | %s |%n",
                    r.plan(), r.plan().equals(defaultSpec) ? " (default stages)" : "", r.temperature(),
                    100 * c.accuracy(), c.nll(), c.ece(), r.counts().mean(), r.counts().p50(), r.counts().p95(),
                    r.counts().max(), vs, 100 * r.agreement(), r.bound());
        }
    }

    private void writeFit(LabelModel m, Schedule.Sequential plan, double temperature, TimestepWeights weights,
                          int validationImages) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("grid", weights.grid());
        w.put("weights", weights.weights());
        w.put("scales", weights.scales());
        w.put("fit", Map.of("split", "validation (" + validationImages + " images: " + fit + ")",
                "rule", "per timestep, over (image, wrong label), d = err(wrong label) - err(true label): "
                        + "scales = sd(d); weights = mean(d) / var(d), clipped at 0, mean 1",
                "command", "sweep --fit " + fit + " --data " + data));
        out.put("timestepWeights", w);
        Map<String, Object> seq = new LinkedHashMap<>();
        seq.put("block", plan.block());
        seq.put("min", plan.minSamples());
        seq.put("max", plan.maxSamples());
        seq.put("level", plan.level());
        seq.put("weighted", plan.weighted());
        seq.put("temperature", temperature);
        seq.put("temperatureFit", Map.of("split", "validation (" + validationImages + " images)", "schedule", plan.spec()));
        out.put("sequential", seq);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(writeFit.toFile(), out);
    }

    private static String format(double[] w) {
        StringBuilder b = new StringBuilder();
        for (double v : w) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ error tables

    /** The error tables of a folder: from the cache when it has them, else computed (and cached). */
    private List<Table> tables(LabelModel m, Path folder, List<AccuracyCommand.Item> items, List<String> vocab)
            throws Exception {
        Files.createDirectories(cache);
        String key = m.manifest().id() + "-" + m.manifest().version() + "-" + Integer.toHexString(
                (folder.toAbsolutePath().normalize() + "|" + items.size() + "|" + vocab + "|" + promptTemplate + "|"
                        + model.fp16).hashCode()) + "-" + grid + ".bin.gz";
        Path file = cache.resolve(key);
        List<Table> cached = read(file, items.size(), vocab.size());
        if (cached != null) {
            System.err.println("error tables of " + folder + " from " + file);
            return cached;
        }
        System.err.printf(Locale.ROOT, "error tables of %s: %d images x %d labels x %d samples%n", folder, items.size(),
                vocab.size(), grid);
        Schedule flat = new Schedule.Staged(List.of(new Stage(grid, 1)));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
        List<Future<Posterior>> futures = new ArrayList<>();
        for (AccuracyCommand.Item it : items) {
            futures.add(pool.submit(() -> m.classify(new LabelRequest(it.id(), Files.readAllBytes(it.file()), vocab,
                    promptTemplate, flat, null, null))));
        }
        List<Table> out = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < items.size(); i++) {
                Posterior p = futures.get(i).get();
                double[][] errors = new double[vocab.size()][];
                for (LabelScore s : p.scores()) {
                    errors[vocab.indexOf(s.label())] = s.sampleErrors();
                }
                out.add(new Table(items.get(i).id(), items.get(i).label(), errors));
                if ((i + 1) % 100 == 0 || i + 1 == items.size()) {
                    double el = (System.nanoTime() - start) / 1e9;
                    System.err.printf(Locale.ROOT, "  %d/%d images, %.0f s (eta %.0f s)%n", i + 1, items.size(), el,
                            el / (i + 1) * (items.size() - i - 1));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        write(file, out, vocab.size());
        return out;
    }

    private void write(Path file, List<Table> tables, int labels) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(new GZIPOutputStream(Files.newOutputStream(tmp))))) {
            o.writeInt(CACHE_FORMAT);
            o.writeInt(tables.size());
            o.writeInt(labels);
            o.writeInt(grid);
            for (Table t : tables) {
                o.writeUTF(t.id());
                o.writeUTF(t.truth());
                for (double[] row : t.errors()) {
                    for (double v : row) {
                        o.writeDouble(v);
                    }
                }
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private List<Table> read(Path file, int images, int labels) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file))))) {
            if (in.readInt() != CACHE_FORMAT || in.readInt() != images || in.readInt() != labels || in.readInt() != grid) {
                return null;
            }
            List<Table> out = new ArrayList<>(images);
            for (int i = 0; i < images; i++) {
                String id = in.readUTF();
                String truth = in.readUTF();
                double[][] errors = new double[labels][grid];
                for (double[] row : errors) {
                    for (int j = 0; j < grid; j++) {
                        row[j] = in.readDouble();
                    }
                }
                out.add(new Table(id, truth, errors));
            }
            return out;
        } catch (EOFException e) {
            return null;
        }
    }
}
