package org.difflabel.model;

import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.ClassificationException.Code;
import org.difflabel.classifier.Condition;
import org.difflabel.classifier.DiffusionClassifier;
import org.difflabel.classifier.NoiseGenerator;
import org.difflabel.classifier.NoisePredictor;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.SamplingPlan;
import org.difflabel.classifier.Stage;
import org.difflabel.classifier.Budget;
import org.difflabel.classifier.Schedule;
import org.difflabel.classifier.TimestepWeights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model folder loaded and ready to label images: manifest checked, files verified, ONNX
 * sessions open, and the {@link DiffusionClassifier} wired to them. Thread-safe; load once per
 * process and share.
 */
public final class LabelModel implements AutoCloseable {
    private static final int DEFAULT_SAMPLES = 64;

    private final Path folder;
    private final ModelManifest manifest;
    /** The manifest's timestep weights, built once (null when it has none). */
    private final TimestepWeights timestepWeights;
    private final ModelOptions options;
    private final Preprocessor preprocessor;
    private final OnnxNetwork unet;
    private final OnnxNetwork textEncoder;
    private final OnnxNetwork vaeEncoder;
    private final PromptTokenizer tokenizer;
    private final EmbeddingCache embeddings;
    private final DiffusionClassifier classifier;
    private final int[] sampleShape;
    private final List<String> classNames;
    /** The network specs in use, by manifest name: the float16 variants where {@code fp16} picked them. */
    private final Map<String, ModelManifest.Network> running = new HashMap<>();

    private LabelModel(Path folder, ModelManifest manifest, ModelOptions options) {
        this.folder = folder;
        this.manifest = manifest;
        ModelManifest.TimestepWeighting w = manifest.classifier().timestepWeights();
        this.timestepWeights = w == null ? null : new TimestepWeights(w.grid(), w.weightArray(), w.scaleArray());
        this.options = options;
        this.preprocessor = new Preprocessor(manifest.image(), options.imageLimits());
        ModelManifest.Space space = manifest.space();
        boolean latent = "latent".equals(space.kind());
        int side = latent ? manifest.image().size() / space.downsample() : manifest.image().size();
        int channels = latent ? space.latentChannels() : manifest.image().channels();
        this.sampleShape = new int[] {channels, side, side};
        this.classNames = isText() ? List.of() : readClassNames(folder, manifest.conditioning());
        List<OnnxNetwork> opened = new ArrayList<>();
        try {
            this.unet = open("unet", opened);
            this.textEncoder = isText() ? open("textEncoder", opened) : null;
            this.vaeEncoder = latent ? open(space.vaeEncoder(), opened) : null;
            this.tokenizer = isText() ? PromptTokenizer.load(folder, manifest.conditioning().tokenizer()) : null;
            NoisePredictor.PredictionType type = "v_prediction".equals(manifest.prediction().type())
                    ? NoisePredictor.PredictionType.V_PREDICTION : NoisePredictor.PredictionType.EPSILON;
            OnnxNoisePredictor predictor = new OnnxNoisePredictor(unet, running.get("unet"), !isText(),
                    sampleShape, options.batchSize(), type);
            this.embeddings = new EmbeddingCache(options.embeddingCacheSize());
            this.classifier = new DiffusionClassifier(predictor, manifest.schedule().alphasCumprod(), options.batchSize());
            probe(predictor);
        } catch (RuntimeException e) {
            opened.forEach(OnnxNetwork::close);
            throw e;
        }
    }

    /** Loads {@code folder} (its {@code model.json}, checksums verified first). */
    public static LabelModel load(Path folder, ModelOptions options) {
        return new LabelModel(folder, ManifestReader.read(folder), options);
    }

    public ModelManifest manifest() {
        return manifest;
    }

    public Path folder() {
        return folder;
    }

    public DiffusionClassifier classifier() {
        return classifier;
    }

    public EmbeddingCache embeddings() {
        return embeddings;
    }

    /** Whether the noise predictor runs on CUDA (after any fallback). */
    public boolean onGpu() {
        return unet.onGpu();
    }

    public boolean isText() {
        return "text".equals(manifest.conditioning().kind());
    }

    /** Class models: the class names, by index. */
    public List<String> classNames() {
        return classNames;
    }

    /** A vocabulary for demos and benchmarks: the manifest's example labels, else the class names. */
    public List<String> demoLabels() {
        List<String> examples = manifest.conditioning().exampleLabels();
        return examples != null ? examples : classNames;
    }

    private static List<String> readClassNames(Path folder, ModelManifest.Conditioning c) {
        if (c.classNamesFile() == null) {
            return List.copyOf(c.classNames());
        }
        Path file = folder.resolve(c.classNamesFile());
        try {
            List<String> names = java.nio.file.Files.readAllLines(file).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
            if (names.isEmpty()) {
                throw new ModelLoadException(file, "class names file is empty");
            }
            return names;
        } catch (java.io.IOException e) {
            throw new ModelLoadException(file, "cannot read class names: " + e.getMessage(), e);
        }
    }

    /** Shape (C, H, W) of one sample in model space (latent shape for latent models). */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** Labels one image. Bad input raises {@link ClassificationException} with its code. */
    public Posterior classify(LabelRequest request, DiffusionClassifier.Progress progress) {
        List<String> labels = request.labels();
        checkVocabulary(labels);
        Schedule schedule = request.schedule() != null ? request.schedule() : defaultSchedule(labels.size());
        // conditions before pixels: a bad label or prompt costs no decoding
        List<Condition> conditions = conditions(labels, request.promptTemplate());
        float[] x0 = encode(preprocessor.apply(request.image()));
        double temperature = request.temperature() != null ? request.temperature() : temperature(schedule);
        SamplingPlan plan = samplingPlan(request.id());
        try {
            return classifier.classify(x0, labels, conditions, plan, schedule, timestepWeights, temperature,
                    request.budget() != null ? request.budget() : Budget.NONE, progress);
        } catch (OnnxNetwork.InferenceException e) {
            throw new ClassificationException(Code.INFERENCE_FAILED, e.getMessage(), e);
        }
    }

    /** The request's (t, eps) samples: seeded by its id and this model's version, over the model's timestep range. */
    public SamplingPlan samplingPlan(String requestId) {
        long seed = NoiseGenerator.requestSeed(requestId, manifest.version());
        ModelManifest.TimestepRange range = manifest.classifier().timestepRange();
        return range == null ? new SamplingPlan(seed, manifest.schedule().trainSteps())
                : new SamplingPlan(seed, range.min(), range.max());
    }

    /** The plan a request without one gets: the manifest's default plan, else its default stages. */
    public Schedule defaultSchedule(int labels) {
        if ("sequential".equals(manifest.classifier().defaultPlan())) {
            return sequentialPlan();
        }
        return new Schedule.Staged(defaultStages(labels));
    }

    /** The manifest's sequential plan, else {@link Schedule.Sequential#DEFAULT}. */
    public Schedule.Sequential sequentialPlan() {
        ModelManifest.SequentialPlan s = manifest.classifier().sequential();
        return s == null ? Schedule.Sequential.DEFAULT
                : new Schedule.Sequential(s.block(), s.min(), s.max(), s.level(), s.weighted());
    }

    /** The model's timestep weights (used by weighted sequential plans); null when the manifest has none. */
    public TimestepWeights timestepWeights() {
        return timestepWeights;
    }

    /**
     * The calibrated temperature for a schedule: a sequential plan's own when the manifest fitted one
     * (early stopping changes how far apart the mean errors are), else the model's.
     */
    public double temperature(Schedule schedule) {
        ModelManifest.SequentialPlan s = manifest.classifier().sequential();
        if (schedule instanceof Schedule.Sequential && s != null && s.temperature() != null) {
            return s.temperature();
        }
        return manifest.classifier().temperature();
    }

    /** Parses a schedule spec, a sequential one completed from this model's sequential plan. */
    public Schedule parseSchedule(String spec) {
        return Schedule.parse(spec, sequentialPlan());
    }

    public Posterior classify(LabelRequest request) {
        return classify(request, DiffusionClassifier.Progress.NONE);
    }

    /** The request's stages when none are given: the manifest's, else {@link Stage#defaults}. */
    public List<Stage> defaultStages(int labels) {
        List<List<Integer>> spec = manifest.classifier().stages();
        if (spec == null || spec.isEmpty()) {
            return Stage.defaults(labels, DEFAULT_SAMPLES);
        }
        List<Stage> stages = new ArrayList<>();
        for (List<Integer> s : spec) {
            stages.add(new Stage(s.get(0), s.get(1)));
        }
        return stages;
    }

    private void checkVocabulary(List<String> labels) {
        if (labels == null || labels.isEmpty()) {
            throw new ClassificationException(Code.EMPTY_VOCABULARY, "the label vocabulary is empty");
        }
        if (labels.size() > options.maxLabels()) {
            throw new ClassificationException(Code.VOCABULARY_TOO_LARGE, labels.size()
                    + " labels, over the limit of " + options.maxLabels());
        }
        Set<String> seen = new HashSet<>();
        for (String l : labels) {
            if (l == null || l.isBlank()) {
                throw new ClassificationException(isText() ? Code.BAD_PROMPT : Code.UNKNOWN_LABEL, "a label is empty");
            }
            if (!seen.add(l)) {
                throw new ClassificationException(Code.DUPLICATE_LABEL, "label '" + l + "' appears twice");
            }
        }
    }

    /** Class index per label, or text embedding per label (encoder run once per new prompt). */
    List<Condition> conditions(List<String> labels, String template) {
        List<Condition> out = new ArrayList<>(labels.size());
        if (!isText()) {
            List<String> names = classNames;
            for (String l : labels) {
                int idx = names.indexOf(l);
                if (idx < 0) {
                    throw new ClassificationException(Code.UNKNOWN_LABEL, "unknown label '" + l + "': model "
                            + manifest.id() + " has classes " + abbreviate(names));
                }
                out.add(new Condition.ClassIndex(idx));
            }
            return out;
        }
        String t = template != null ? template : manifest.conditioning().promptTemplate();
        if (t == null) {
            t = "{label}";
        }
        if (!t.contains("{label}")) {
            throw new ClassificationException(Code.BAD_PROMPT, "prompt template '" + t + "' has no {label}");
        }
        Map<String, Condition.Embedding> found = new HashMap<>();
        Map<String, long[]> missing = new LinkedHashMap<>();
        List<String> prompts = new ArrayList<>();
        for (String l : labels) {
            String prompt = t.replace("{label}", l);
            prompts.add(prompt);
            long[] ids = tokenizer.encode(prompt); // validated even when cached: same errors either way
            Condition.Embedding e = embeddings.get(manifest.version(), prompt);
            if (e != null) {
                found.put(prompt, e);
            } else {
                missing.put(prompt, ids);
            }
        }
        found.putAll(encodePrompts(missing));
        for (String p : prompts) {
            out.add(found.get(p));
        }
        return out;
    }

    /** Runs the text encoder once for all {@code prompts} (token ids given) and caches the results. */
    private Map<String, Condition.Embedding> encodePrompts(Map<String, long[]> prompts) {
        Map<String, Condition.Embedding> out = new HashMap<>();
        if (prompts.isEmpty()) {
            return out;
        }
        ModelManifest.Network spec = running.get("textEncoder");
        int n = prompts.size();
        int len = tokenizer.maxLength();
        long[] ids = new long[n * len];
        int i = 0;
        for (long[] row : prompts.values()) {
            System.arraycopy(row, 0, ids, i++ * len, len);
        }
        OnnxNetwork.Output y = textEncoder.run(List.of(new OnnxNetwork.Input(spec.inputs().get("input_ids"), ids,
                        ModelManifest.inputType(spec, "input_ids", "int64"), n, len)),
                spec.outputs().get("last_hidden_state"));
        int tokens = (int) y.shape()[1];
        int dim = (int) y.shape()[2];
        i = 0;
        for (String p : prompts.keySet()) {
            float[] row = new float[tokens * dim];
            System.arraycopy(y.values(), i++ * tokens * dim, row, 0, row.length);
            Condition.Embedding e = new Condition.Embedding(row, tokens, dim);
            embeddings.put(manifest.version(), p, e);
            out.put(p, e);
        }
        return out;
    }

    /** Latent models: pixels through the VAE encoder (posterior mean x scaling factor). */
    private float[] encode(float[] pixels) {
        if (vaeEncoder == null) {
            return pixels;
        }
        ModelManifest.Network spec = running.get(manifest.space().vaeEncoder());
        int s = manifest.image().size();
        OnnxNetwork.Output y = vaeEncoder.run(List.of(new OnnxNetwork.Input(spec.inputs().get("sample"), pixels,
                ModelManifest.inputType(spec, "sample", "float32"), 1, manifest.image().channels(), s, s)),
                spec.outputs().get("latent"));
        long[] shape = y.shape();
        int c = sampleShape[0];
        if (shape.length != 4 || (shape[1] != c && shape[1] != 2L * c) || shape[2] != sampleShape[1]
                || shape[3] != sampleShape[2]) {
            throw new ModelLoadException(vaeEncoder.file(), "VAE encoder output shape " + java.util.Arrays.toString(shape)
                    + " does not match space.latentChannels " + c + " at " + sampleShape[1] + "x" + sampleShape[2]);
        }
        float scale = (float) (double) manifest.space().scalingFactor();
        float[] latent = new float[c * sampleShape[1] * sampleShape[2]];
        for (int i = 0; i < latent.length; i++) {
            latent[i] = y.values()[i] * scale; // the first C channels are the posterior mean
        }
        return latent;
    }

    /** Real calls at load: check input names, output names and shapes (latent channels included). */
    private void probe(OnnxNoisePredictor predictor) {
        if (vaeEncoder != null) {
            encode(new float[manifest.image().channels() * manifest.image().size() * manifest.image().size()]);
        }
        int size = sampleShape[0] * sampleShape[1] * sampleShape[2];
        FloatBuffer x = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        // the empty prompt always tokenizes: <bos> <eos> and padding
        Condition c = isText() ? encodePrompts(Map.of("", tokenizer.encode(""))).get("") : new Condition.ClassIndex(0);
        float[] out = new float[size];
        try {
            predictor.predict(x, new long[] {500}, new Condition[] {c}, 1, out);
        } catch (OnnxNetwork.InferenceException e) {
            throw new ModelLoadException(unet.file(), "a probe call with a " + java.util.Arrays.toString(sampleShape)
                    + " sample failed: " + e.getMessage(), e);
        }
    }

    /**
     * Opens network {@code name} in the precision {@code fp16} picks for the device it lands on:
     * the device is known only once a session exists (CUDA may fall back to CPU), so a float16
     * variant picked for a GPU that turned out unusable is swapped for the float32 network.
     */
    private OnnxNetwork open(String name, List<OnnxNetwork> opened) {
        ModelManifest.Network spec = manifest.networks().get(name);
        Path manifestFile = folder.resolve(ManifestReader.MANIFEST);
        boolean gpuExpected = options.executionProvider() != ExecutionProvider.CPU && ExecutionProvider.cudaInBuild();
        ModelManifest.Network chosen = options.fp16().choose(manifestFile, name, spec, gpuExpected);
        OnnxNetwork net = options.executionProvider().open(folder.resolve(chosen.file()), options.intraOpThreads(),
                options.deviceId());
        if (gpuExpected && !net.onGpu()) { // CUDA fell back to CPU: take the CPU's precision
            ModelManifest.Network onCpu = options.fp16().choose(manifestFile, name, spec, false);
            if (!onCpu.file().equals(chosen.file())) {
                net.close();
                net = ExecutionProvider.CPU.open(folder.resolve(onCpu.file()), options.intraOpThreads(), options.deviceId());
                chosen = onCpu;
            }
        }
        opened.add(net);
        net.requireInputs(new HashSet<>(chosen.inputs().values()));
        running.put(name, chosen);
        return net;
    }

    /** The spec of network {@code name} as loaded (its float16 variant where {@code fp16} picked it). */
    public ModelManifest.Network network(String name) {
        return running.get(name);
    }

    /** {@code float16}, {@code float32} or {@code mixed}: the precision of the networks in use. */
    public String precision() {
        long half = running.values().stream().filter(ModelManifest.Network::isFloat16).count();
        return half == 0 ? "float32" : half == running.size() ? "float16" : "mixed";
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + " ... (" + names.size() + " in all)";
    }

    @Override
    public void close() {
        unet.close();
        if (textEncoder != null) {
            textEncoder.close();
        }
        if (vaeEncoder != null) {
            vaeEncoder.close();
        }
    }
}
