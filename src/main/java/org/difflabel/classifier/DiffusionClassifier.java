package org.difflabel.classifier;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;

import org.difflabel.stats.SpecialFunctions;

/**
 * The Diffusion Classifier (Li et al., ICCV 2023) over any {@link NoisePredictor}.
 *
 * <p>For each label it estimates the noise-prediction error on shared (t, eps) samples from a
 * {@link SamplingPlan}, eliminating clear losers in {@link Stage}s, and turns mean errors into a
 * posterior softmax(-err / T). Probabilities are computed stage by stage so that labels are
 * only ever compared on samples they share: a label eliminated at a stage receives its
 * softmax share, over that stage's labels and samples, of the probability mass still in play;
 * the survivors split the rest at the next stage. The probabilities sum to one.
 *
 * <p>Thread-safe: each calling thread uses its own buffers.
 */
public final class DiffusionClassifier {
    private final NoisePredictor predictor;
    private final double[] alphasCumprod;
    private final int batchSize;
    private final int sampleSize;
    private final ThreadLocal<Workspace> workspaces;

    public DiffusionClassifier(NoisePredictor predictor, double[] alphasCumprod, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.predictor = predictor;
        this.alphasCumprod = alphasCumprod.clone();
        this.batchSize = Math.min(batchSize, predictor.maxBatch());
        int[] shape = predictor.sampleShape();
        this.sampleSize = shape[0] * shape[1] * shape[2];
        this.workspaces = ThreadLocal.withInitial(() -> new Workspace(this.batchSize, sampleSize));
    }

    public int batchSize() {
        return batchSize;
    }

    public int sampleSize() {
        return sampleSize;
    }

    /** Optional callback for long requests: called after each batch. */
    public interface Progress {
        Progress NONE = (stage, done, total) -> { };

        void onBatch(int stage, long evaluationsDone, long evaluationsPlanned);
    }

    /** Classifies one image with a fixed staged schedule, no weights and no budget (see below). */
    public Posterior classify(float[] x0, List<String> labels, List<Condition> conditions, SamplingPlan plan,
                              List<Stage> stages, double temperature, Progress progress) {
        return classify(x0, labels, conditions, plan, new Schedule.Staged(stages), null, temperature, Budget.NONE,
                progress);
    }

    /**
     * Classifies one image.
     *
     * @param x0          the image in model space (C x H x W, row-major)
     * @param labels      distinct labels, in request order
     * @param conditions  the condition of each label, same order
     * @param plan        the request's sampling plan (seeded)
     * @param schedule    staged or sequential
     * @param weights     the model's timestep weights, used by a weighted sequential schedule; null: none
     * @param temperature softmax temperature (> 0)
     * @param budget      evaluation and time limit of this request
     */
    public Posterior classify(float[] x0, List<String> labels, List<Condition> conditions, SamplingPlan plan,
                              Schedule schedule, TimestepWeights weights, double temperature, Budget budget,
                              Progress progress) {
        validate(x0, labels, conditions, temperature);
        Visits visits = Visits.of(plan, schedule, weights);
        LiveErrors source = new LiveErrors(x0, conditions, plan, visits);
        return run(labels, schedule, visits, temperature, budget, source, progress, plan.seed());
    }

    /**
     * The same decisions and posterior as {@link #classify} from errors already computed:
     * {@code errors[label][i]} is the error of sample {@code i} of the plan (its first
     * {@code schedule.maxSamples()} samples, or the weight grid's samples for a weighted plan).
     * For sweeps over many schedules: one table of errors per image serves them all.
     */
    public static Posterior replay(double[][] errors, List<String> labels, SamplingPlan plan, Schedule schedule,
                                   TimestepWeights weights, double temperature, Budget budget) {
        Visits visits = Visits.of(plan, schedule, weights);
        ErrorSource source = (alive, from, to, out) -> {
            for (int label : alive) {
                for (int j = from; j < to; j++) {
                    out[label][j] = errors[label][visits.sample[j]];
                }
            }
        };
        return run(labels, schedule, visits, temperature, budget, source, Progress.NONE, plan.seed());
    }

    /**
     * Which sample is visited j-th, its weight in the error average and the scale its paired
     * differences are divided by in the sequential test. Unweighted: sample j, weight 1 (the
     * nested even grids). Weighted: most informative first (see {@link TimestepWeights}). Scales:
     * the model's, where it has them for every sample visited; else 1 (raw differences).
     */
    private record Visits(int[] sample, double[] weight, double[] scale, int max) {
        static Visits of(SamplingPlan plan, Schedule schedule, TimestepWeights weights) {
            int max = schedule.maxSamples();
            boolean weighted = schedule instanceof Schedule.Sequential seq && seq.weighted() && weights != null;
            if (weighted && max > weights.grid()) {
                throw new IllegalArgumentException("sequential max " + max + " is beyond the model's timestep weight grid of "
                        + weights.grid());
            }
            int[] order = weighted ? weights.order(plan) : IntStream.range(0, max).toArray();
            int n = Math.min(max, order.length);
            int[] sample = java.util.Arrays.copyOf(order, n);
            double[] w = null;
            if (weighted) {
                double[] bySample = weights.bySample(plan);
                w = IntStream.range(0, n).mapToDouble(j -> bySample[sample[j]]).toArray();
            }
            double[] scale = null;
            if (schedule instanceof Schedule.Sequential && weights != null && max <= weights.grid()) {
                double[] bySample = weights.scalesBySample(plan);
                scale = IntStream.range(0, n).mapToDouble(j -> bySample[sample[j]]).toArray();
            }
            return new Visits(sample, w, scale, n);
        }

        /** The (weighted) mean of the first n visited errors. */
        double mean(double[] errors, int n) {
            if (weight == null) {
                return DiffusionClassifier.mean(errors, n);
            }
            double s = 0;
            double ws = 0;
            for (int j = 0; j < n; j++) {
                s += weight[j] * errors[j];
                ws += weight[j];
            }
            return s / ws;
        }

        /** The test's paired difference of visit j, weighted and standardized. */
        double difference(double[] errors, double[] leader, int j) {
            double d = errors[j] - leader[j];
            return d * (weight == null ? 1.0 : weight[j]) / (scale == null ? 1.0 : scale[j]);
        }
    }

    /** Fills {@code out[label][from..to)} (visit positions) for the labels given. */
    private interface ErrorSource {
        void fill(List<Integer> labels, int from, int to, double[][] out);
    }

    /** Errors from the noise predictor: (label, sample) pairs in batches across labels. */
    private final class LiveErrors implements ErrorSource {
        final float[] x0;
        final List<Condition> conditions;
        final SamplingPlan plan;
        final Visits visits;
        final float[][] eps;
        final float[][] xt;
        final long[] t;

        LiveErrors(float[] x0, List<Condition> conditions, SamplingPlan plan, Visits visits) {
            this.x0 = x0;
            this.conditions = conditions;
            this.plan = plan;
            this.visits = visits;
            eps = new float[visits.max][];
            xt = new float[visits.max][];
            t = new long[visits.max];
        }

        /** The noised image of visit j, made when first needed (an early stop never draws the rest). */
        void prepare(int j) {
            if (eps[j] != null) {
                return;
            }
            int i = visits.sample[j];
            float[] e = new float[sampleSize];
            plan.noise(i, e, sampleSize);
            t[j] = plan.timestep(i);
            float sa = (float) Math.sqrt(alphasCumprod[(int) t[j]]);
            float sb = (float) Math.sqrt(1.0 - alphasCumprod[(int) t[j]]);
            float[] row = new float[sampleSize];
            for (int p = 0; p < sampleSize; p++) {
                row[p] = sa * x0[p] + sb * e[p];
            }
            eps[j] = e;
            xt[j] = row;
        }

        @Override
        public void fill(List<Integer> alive, int from, int to, double[][] out) {
            for (int j = from; j < to; j++) {
                prepare(j);
            }
            Workspace ws = workspaces.get();
            int width = to - from;
            // all (label, sample) pairs of this step, label-major, in batches
            int pairs = alive.size() * width;
            for (int start = 0; start < pairs; start += batchSize) {
                int n = Math.min(batchSize, pairs - start);
                ws.samples.clear();
                for (int r = 0; r < n; r++) {
                    int pair = start + r;
                    int label = alive.get(pair / width);
                    int j = from + pair % width;
                    ws.samples.put(xt[j]);
                    ws.timesteps[r] = t[j];
                    ws.conditions[r] = conditions.get(label);
                    ws.label[r] = label;
                    ws.sample[r] = j;
                }
                ws.samples.flip();
                predictor.predict(ws.samples, ws.timesteps, ws.conditions, n, ws.out);
                for (int r = 0; r < n; r++) {
                    int j = ws.sample[r];
                    out[ws.label[r]][j] = error(ws.out, r, eps[j], xt[j], t[j]);
                }
            }
        }
    }

    /**
     * The plan itself, the same for live and replayed errors. Probabilities are computed at each
     * elimination so that labels are only ever compared on samples they share: a label dropped
     * after n samples gets its softmax share, over the labels then in play and those n samples,
     * of the probability mass still in play; the survivors split the rest later. They sum to one.
     */
    private static Posterior run(List<String> labels, Schedule schedule, Visits visits, double temperature,
                                 Budget budget, ErrorSource source, Progress progress, long seed) {
        int nLabels = labels.size();
        double[][] errors = new double[nLabels][visits.max];
        int[] samplesOf = new int[nLabels];
        double[] probability = new double[nLabels];
        List<Integer> alive = new ArrayList<>();
        for (int i = 0; i < nLabels; i++) {
            alive.add(i);
        }
        long planned = schedule instanceof Schedule.Staged st ? plannedEvaluations(nLabels, st.stages())
                : (long) nLabels * visits.max;
        long start = System.nanoTime();
        long deadline = budget.deadline(start);
        long stepStart = start;
        long evaluations = 0;
        List<Stage> realized = new ArrayList<>();
        List<Long> nanos = new ArrayList<>();
        double mass = 1.0;
        int done = 0;
        int step = 0;
        boolean limited = false;
        while (true) {
            int target = target(schedule, step, done, visits.max);
            boolean last = target >= visits.max
                    || schedule instanceof Schedule.Staged st && step == st.stages().size() - 1;
            int affordable = (int) Math.min(target - done, budget.remaining(evaluations) / alive.size());
            boolean late = done > 0 && System.nanoTime() > deadline;
            if (affordable < target - done || late) {
                // out of budget: what is known now is the answer; every label gets at least one sample
                limited = true;
                last = true;
                target = done == 0 ? Math.max(1, affordable) : done + (late ? 0 : affordable);
            }
            if (target > done) {
                source.fill(alive, done, target, errors);
                evaluations += (long) alive.size() * (target - done);
                progress.onBatch(step, evaluations, planned);
            }
            for (int label : alive) {
                samplesOf[label] = target;
            }
            done = target;

            double[] means = new double[alive.size()];
            for (int a = 0; a < alive.size(); a++) {
                means[a] = visits.mean(errors[alive.get(a)], done);
            }
            int keep = last ? alive.size() : keep(schedule, step, alive, means, errors, visits, done, nLabels);
            if (schedule instanceof Schedule.Sequential) {
                if (keep <= 1) {
                    last = true; // the leader alone is left: every label's probability is known now
                    keep = alive.size();
                } else if (!last && keep == alive.size()) {
                    step++; // a look that drops nothing changes no probability: go on sampling
                    continue;
                }
            }
            double[] q = softmax(means, temperature);
            boolean[] kept = lowest(means, keep);
            List<Integer> next = new ArrayList<>();
            double keptMass = 0;
            for (int a = 0; a < q.length; a++) {
                if (kept[a] && !last) {
                    next.add(alive.get(a));
                    keptMass += q[a];
                } else {
                    probability[alive.get(a)] = mass * q[a];
                }
            }
            realized.add(new Stage(done, last ? 1 : keep));
            long now = System.nanoTime();
            nanos.add(now - stepStart);
            stepStart = now;
            if (last) {
                break;
            }
            mass *= keptMass;
            alive = next;
            step++;
        }

        List<LabelScore> scores = new ArrayList<>(nLabels);
        for (int i = 0; i < nLabels; i++) {
            double m = visits.mean(errors[i], samplesOf[i]);
            scores.add(new LabelScore(labels.get(i), probability[i], m, standardError(errors[i], samplesOf[i], m),
                    samplesOf[i], java.util.Arrays.copyOf(errors[i], samplesOf[i])));
        }
        long[] stageNanos = nanos.stream().mapToLong(Long::longValue).toArray();
        double[] weights = visits.weight == null ? null : java.util.Arrays.copyOf(visits.weight, done);
        return new Posterior(scores, temperature, seed, evaluations, List.copyOf(realized), stageNanos,
                schedule.spec(), weights, limited);
    }

    /** The sample count the next step brings every label in play to. */
    private static int target(Schedule schedule, int step, int done, int max) {
        if (schedule instanceof Schedule.Staged st) {
            return st.stages().get(step).samples();
        }
        return Math.min(max, ((Schedule.Sequential) schedule).next(done));
    }

    /** How many labels go on after this step (those with the lowest mean errors). */
    private static int keep(Schedule schedule, int step, List<Integer> alive, double[] means, double[][] errors,
                            Visits visits, int n, int nLabels) {
        if (schedule instanceof Schedule.Staged st) {
            return Math.min(st.stages().get(step).keep(), alive.size());
        }
        Schedule.Sequential seq = (Schedule.Sequential) schedule;
        return n < seq.minSamples() ? alive.size()
                : alive.size() - significantlyWorse(alive, means, errors, visits, n, seq.level());
    }

    /**
     * The number of labels, counted from the worst mean up, that are each significantly worse than
     * the leader at {@code level}: a one-sided t-test per label on its standardized paired
     * differences to the leader, with the residual variance pooled over all the comparisons
     * (df = comparisons x (n - 1); see {@link Schedule.Sequential}). The count stops at the first
     * label that is not, so the dropped labels are always the worst ones (the staged rule "keep the
     * lowest means" then describes the step exactly).
     */
    private static int significantlyWorse(List<Integer> alive, double[] means, double[][] errors, Visits visits, int n,
                                          double level) {
        Integer[] order = new Integer[alive.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(means[a], means[b]));
        double[] leader = errors[alive.get(order[0])];
        int m = order.length - 1;
        double[] mean = new double[m + 1];
        double ss = 0;
        for (int r = 1; r <= m; r++) {
            double[] e = errors[alive.get(order[r])];
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += visits.difference(e, leader, j);
            }
            mean[r] = sum / n;
            for (int j = 0; j < n; j++) {
                double d = visits.difference(e, leader, j) - mean[r];
                ss += d * d;
            }
        }
        double df = (double) m * (n - 1);
        double sd = Math.sqrt(ss / df);
        int dropped = 0;
        for (int r = m; r >= 1; r--) {
            double tStat = sd > 0 ? mean[r] / (sd / Math.sqrt(n)) : (mean[r] > 0 ? Double.POSITIVE_INFINITY : 0);
            if (SpecialFunctions.studentTUpperTail(tStat, df) > level) {
                break;
            }
            dropped++;
        }
        return dropped;
    }

    private static double[] softmax(double[] means, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double m : means) {
            max = Math.max(max, -m / temperature);
        }
        double[] q = new double[means.length];
        double sum = 0;
        for (int a = 0; a < q.length; a++) {
            q[a] = Math.exp(-means[a] / temperature - max);
            sum += q[a];
        }
        for (int a = 0; a < q.length; a++) {
            q[a] /= sum;
        }
        return q;
    }

    /** Evaluations a schedule costs for {@code n} labels (the labels kept shrink stage by stage). */
    public static long plannedEvaluations(int n, List<Stage> stages) {
        long total = 0;
        int alive = n;
        int done = 0;
        for (Stage st : stages) {
            total += (long) alive * (st.samples() - done);
            done = st.samples();
            alive = Math.min(alive, st.keep());
        }
        return total;
    }

    private double error(float[] out, int row, float[] eps, float[] xt, long t) {
        int base = row * sampleSize;
        double acc = 0;
        if (predictor.predictionType() == NoisePredictor.PredictionType.V_PREDICTION) {
            // eps = sqrt(abar) * v + sqrt(1 - abar) * x_t
            double sa = Math.sqrt(alphasCumprod[(int) t]);
            double sb = Math.sqrt(1.0 - alphasCumprod[(int) t]);
            for (int p = 0; p < sampleSize; p++) {
                double d = eps[p] - (sa * out[base + p] + sb * xt[p]);
                acc += d * d;
            }
        } else {
            for (int p = 0; p < sampleSize; p++) {
                double d = (double) eps[p] - out[base + p];
                acc += d * d;
            }
        }
        return acc / sampleSize;
    }

    private static double mean(double[] v, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += v[i];
        }
        return s / n;
    }

    private static double standardError(double[] v, int n, double mean) {
        if (n < 2) {
            return Double.NaN;
        }
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (v[i] - mean) * (v[i] - mean);
        }
        return Math.sqrt(ss / (n - 1) / n);
    }

    /** Marks the {@code keep} lowest values; ties go to the earlier index (a stable sort). */
    private static boolean[] lowest(double[] means, int keep) {
        Integer[] order = new Integer[means.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(means[a], means[b]));
        boolean[] kept = new boolean[means.length];
        for (int i = 0; i < keep; i++) {
            kept[order[i]] = true;
        }
        return kept;
    }

    private void validate(float[] x0, List<String> labels, List<Condition> conditions, double temperature) {
        if (labels.isEmpty()) {
            throw new ClassificationException(ClassificationException.Code.EMPTY_VOCABULARY, "the label vocabulary is empty");
        }
        if (new HashSet<>(labels).size() != labels.size()) {
            throw new ClassificationException(ClassificationException.Code.DUPLICATE_LABEL,
                    "duplicate labels in " + labels);
        }
        if (conditions.size() != labels.size()) {
            throw new IllegalArgumentException(conditions.size() + " conditions for " + labels.size() + " labels");
        }
        if (x0.length != sampleSize) {
            throw new IllegalArgumentException("image has " + x0.length + " values, the model takes " + sampleSize);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
        }
    }

    /** Per-thread buffers: the direct input buffer ONNX Runtime reads without a copy. */
    private static final class Workspace {
        final FloatBuffer samples;
        final long[] timesteps;
        final Condition[] conditions;
        final int[] label;
        final int[] sample;
        final float[] out;

        Workspace(int batch, int sampleSize) {
            samples = ByteBuffer.allocateDirect(batch * sampleSize * Float.BYTES).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            timesteps = new long[batch];
            conditions = new Condition[batch];
            label = new int[batch];
            sample = new int[batch];
            out = new float[batch * sampleSize];
        }
    }
}
