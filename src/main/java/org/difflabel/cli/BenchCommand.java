package org.difflabel.cli;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Schedule;
import org.difflabel.classifier.Stage;
import org.difflabel.model.LabelModel;
import org.difflabel.model.LabelRequest;
import org.difflabel.model.ModelManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code bench}: noise-prediction evaluations/s through the classifier next to a bare ONNX
 * Runtime session loop on the same network, batch size and threads (interleaved rounds,
 * medians), then per-image latency for several vocabulary sizes with the default stages.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Classifier throughput vs. bare ONNX Runtime, and per-image latency.")
public class BenchCommand extends ModelCommand {

    @Option(names = "--rounds", defaultValue = "5", description = "interleaved rounds per throughput mode (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--seconds", defaultValue = "4", description = "seconds per round (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--vocab", split = ",", defaultValue = "2,10,24", description = "vocabulary sizes for latency")
    List<Integer> vocab;

    @Option(names = "--images", defaultValue = "20", description = "images timed per vocabulary size")
    int images;

    @Override
    int run() throws Exception {
        try (LabelModel m = model.load(config)) {
            List<byte[]> samples = sampleImages(m.folder());
            List<String> labels = m.demoLabels();
            int batch = m.classifier().batchSize();
            int threads = model.options(config).intraOpThreads();
            System.out.printf(Locale.ROOT, "model %s %s, sample %s, batch %d, intra-op threads %d, %s, %d cores, Java %s%n",
                    m.manifest().id(), m.manifest().version(), Arrays.toString(m.sampleShape()), batch, threads,
                    m.onGpu() ? "CUDA" : "CPU", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));

            // throughput: a flat schedule of `batch` samples, so every batch is full in both modes
            int nLabels = Math.min(10, labels.size());
            List<String> vocabT = labels.subList(0, nLabels);
            List<Stage> flat = List.of(new Stage(batch, 1));
            try (BareSession bare = new BareSession(m, batch, threads, m.onGpu() ? model.options(config).deviceId() : -1)) {
                bare.run(2); // warm-up
                classifyFor(m, samples, vocabT, flat, 0.0);
                double[] bareRate = new double[rounds];
                double[] clsRate = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    bareRate[r] = bare.evaluationsPerSecond(seconds);
                    clsRate[r] = classifyFor(m, samples, vocabT, flat, seconds);
                }
                double b = median(bareRate);
                double c = median(clsRate);
                System.out.println();
                System.out.println("| mode | evaluations/s (median of " + rounds + " rounds) | rounds |");
                System.out.println("|---|---|---|");
                System.out.printf(Locale.ROOT, "| bare ONNX Runtime session loop | %.0f | %s |%n", b, fmt(bareRate));
                System.out.printf(Locale.ROOT, "| classifier (%d labels, flat %d samples) | %.0f | %s |%n", nLabels, batch, c,
                        fmt(clsRate));
                System.out.printf(Locale.ROOT, "%nratio classifier / bare ONNX Runtime: %.3f%n", c / b);
            }

            System.out.println();
            System.out.println("| labels | default plan | evaluations/image (mean) | p50 ms | p95 ms |");
            System.out.println("|---|---|---|---|---|");
            for (int n : vocab) {
                if (n > labels.size()) {
                    System.out.printf(Locale.ROOT, "| %d | (model has %d labels) | | | |%n", n, labels.size());
                    continue;
                }
                List<String> v = labels.subList(0, n);
                Schedule stages = model.scheduleOrDefault(config, m, n);
                double[] ms = new double[images];
                long evals = 0;
                for (int i = 0; i < images; i++) {
                    long t0 = System.nanoTime();
                    Posterior p = m.classify(new LabelRequest("latency-" + i, samples.get(i % samples.size()), v, null,
                            stages, null, null));
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                    evals += p.evaluations();
                }
                Arrays.sort(ms);
                System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %.1f | %.1f |%n", n, stages.spec(),
                        (double) evals / images, percentile(ms, 50), percentile(ms, 95));
            }
            System.out.printf(Locale.ROOT, "%npeak RSS %d MiB%n", peakRssKib() / 1024);
            return 0;
        }
    }

    /** Classifies sample images for at least {@code seconds}; returns evaluations/s. */
    private static double classifyFor(LabelModel m, List<byte[]> samples, List<String> labels, List<Stage> stages,
                                      double seconds) {
        long evals = 0;
        long start = System.nanoTime();
        int i = 0;
        do {
            evals += m.classify(new LabelRequest("bench-" + i, samples.get(i % samples.size()), labels, null, stages,
                    null)).evaluations();
            i++;
        } while ((System.nanoTime() - start) / 1e9 < seconds);
        return evals / ((System.nanoTime() - start) / 1e9);
    }

    /** The same UNet in a plain ONNX Runtime session, fed fixed full batches: the physical limit. */
    static final class BareSession implements AutoCloseable {
        private final OrtSession session;
        private final Map<String, OnnxTensor> inputs = new HashMap<>();
        private final int batch;

        BareSession(LabelModel m, int batch, int threads, int cudaDevice) throws OrtException {
            this.batch = batch;
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setIntraOpNumThreads(threads);
                so.setInterOpNumThreads(1);
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                if (cudaDevice >= 0) {
                    so.addCUDA(cudaDevice); // same provider as the classifier's session
                }
                ModelManifest.Network unet = m.network("unet");
                session = env.createSession(m.folder().resolve(unet.file()).toString(), so);
            }
            Random rnd = new Random(1);
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                TensorInfo info = (TensorInfo) e.getValue().getInfo();
                long[] shape = info.getShape().clone();
                shape[0] = batch;
                if (e.getKey().equals(m.network("unet").inputs().get("sample"))) {
                    int[] s = m.sampleShape();
                    shape = new long[] {batch, s[0], s[1], s[2]};
                }
                int size = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                OnnxTensor t;
                if (info.type == ai.onnxruntime.OnnxJavaType.INT64) {
                    LongBuffer lb = ByteBuffer.allocateDirect(size * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
                    for (int i = 0; i < size; i++) {
                        lb.put(i, 1 + rnd.nextInt(Math.min(999, m.demoLabels().size())));
                    }
                    t = OnnxTensor.createTensor(env, lb, shape);
                } else {
                    FloatBuffer fb = ByteBuffer.allocateDirect(size * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                    for (int i = 0; i < size; i++) {
                        fb.put(i, (float) rnd.nextGaussian());
                    }
                    t = OnnxTensor.createTensor(env, fb, shape);
                }
                inputs.put(e.getKey(), t);
            }
        }

        void run(int n) throws OrtException {
            for (int i = 0; i < n; i++) {
                try (OrtSession.Result r = session.run(inputs)) {
                    r.get(0);
                }
            }
        }

        double evaluationsPerSecond(double seconds) throws OrtException {
            long calls = 0;
            long start = System.nanoTime();
            do {
                run(1);
                calls++;
            } while ((System.nanoTime() - start) / 1e9 < seconds);
            return calls * batch / ((System.nanoTime() - start) / 1e9);
        }

        @Override
        public void close() throws OrtException {
            for (OnnxTensor t : inputs.values()) {
                t.close();
            }
            session.close();
        }
    }

    static List<byte[]> sampleImages(Path folder) throws IOException {
        Path dir = folder.resolve("samples");
        List<byte[]> out = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                    out.add(Files.readAllBytes(p));
                }
            }
        }
        if (out.isEmpty()) {
            throw new CommandFailure("no sample images in " + dir, 2);
        }
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double percentile(double[] sorted, double q) {
        int idx = (int) Math.ceil(q / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", d));
        }
        return sb.toString();
    }

    /** Peak resident set size of this process (VmHWM), in KiB; -1 where /proc is absent. */
    static long peakRssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
