package org.difflabel.classifier;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

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

    /**
     * Classifies one image.
     *
     * @param x0          the image in model space (C x H x W, row-major)
     * @param labels      distinct labels, in request order
     * @param conditions  the condition of each label, same order
     * @param plan        the request's sampling plan (seeded)
     * @param stages      the adaptive schedule
     * @param temperature softmax temperature (> 0)
     */
    public Posterior classify(float[] x0, List<String> labels, List<Condition> conditions, SamplingPlan plan,
                              List<Stage> stages, double temperature, Progress progress) {
        validate(x0, labels, conditions, stages, temperature);
        int nLabels = labels.size();
        int kMax = stages.get(stages.size() - 1).samples();
        float[][] eps = new float[kMax][];
        float[][] xt = new float[kMax][];
        long[] t = new long[kMax];
        for (int j = 0; j < kMax; j++) {
            eps[j] = new float[sampleSize];
            plan.noise(j, eps[j], sampleSize);
            t[j] = plan.timestep(j);
            float sa = (float) Math.sqrt(alphasCumprod[(int) t[j]]);
            float sb = (float) Math.sqrt(1.0 - alphasCumprod[(int) t[j]]);
            float[] row = new float[sampleSize];
            float[] e = eps[j];
            for (int p = 0; p < sampleSize; p++) {
                row[p] = sa * x0[p] + sb * e[p];
            }
            xt[j] = row;
        }

        double[][] errors = new double[nLabels][kMax];
        int[] samplesOf = new int[nLabels];
        double[] probability = new double[nLabels];
        List<Integer> alive = new ArrayList<>();
        for (int i = 0; i < nLabels; i++) {
            alive.add(i);
        }
        long planned = plannedEvaluations(nLabels, stages);
        long evaluations = 0;
        long[] stageNanos = new long[stages.size()];
        double mass = 1.0;
        int done = 0;
        Workspace ws = workspaces.get();
        for (int s = 0; s < stages.size(); s++) {
            long start = System.nanoTime();
            int target = stages.get(s).samples();
            // all (label, sample) pairs of this stage, label-major, in batches
            int pairs = alive.size() * (target - done);
            for (int from = 0; from < pairs; from += batchSize) {
                int n = Math.min(batchSize, pairs - from);
                ws.samples.clear();
                for (int r = 0; r < n; r++) {
                    int pair = from + r;
                    int label = alive.get(pair / (target - done));
                    int j = done + pair % (target - done);
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
                    errors[ws.label[r]][j] = error(ws.out, r, eps[j], xt[j], t[j]);
                }
                evaluations += n;
                progress.onBatch(s, evaluations, planned);
            }
            for (int label : alive) {
                samplesOf[label] = target;
            }
            done = target;

            double[] means = new double[alive.size()];
            double max = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < alive.size(); a++) {
                means[a] = mean(errors[alive.get(a)], target);
                max = Math.max(max, -means[a] / temperature);
            }
            double[] q = new double[alive.size()];
            double sum = 0;
            for (int a = 0; a < q.length; a++) {
                q[a] = Math.exp(-means[a] / temperature - max);
                sum += q[a];
            }
            for (int a = 0; a < q.length; a++) {
                q[a] /= sum;
            }
            boolean last = s == stages.size() - 1;
            int keep = last ? alive.size() : Math.min(stages.get(s).keep(), alive.size());
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
            mass *= keptMass;
            alive = next;
            stageNanos[s] = System.nanoTime() - start;
        }

        List<LabelScore> scores = new ArrayList<>(nLabels);
        for (int i = 0; i < nLabels; i++) {
            double m = mean(errors[i], samplesOf[i]);
            scores.add(new LabelScore(labels.get(i), probability[i], m, standardError(errors[i], samplesOf[i], m),
                    samplesOf[i], java.util.Arrays.copyOf(errors[i], samplesOf[i])));
        }
        return new Posterior(scores, temperature, plan.seed(), evaluations, List.copyOf(stages), stageNanos);
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

    private void validate(float[] x0, List<String> labels, List<Condition> conditions, List<Stage> stages,
                          double temperature) {
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
        Stage.validate(stages);
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
