package org.difflabel.model;

import java.util.List;
import java.util.Map;

/**
 * The {@code model.json} of a model folder: everything the worker needs to run a model as a
 * zero-shot classifier. Documented field by field in {@code onnx-models/README.md}; parsed
 * strictly by {@link ManifestReader} (an unknown field is an error, not a silent default).
 */
public record ModelManifest(
        int formatVersion,
        String id,
        String version,
        String description,
        Conditioning conditioning,
        Space space,
        Image image,
        Schedule schedule,
        Prediction prediction,
        Map<String, Network> networks,
        Classifier classifier,
        List<FileEntry> files) {

    public static final int FORMAT_VERSION = 1;

    /**
     * How labels condition the model: {@code class} (index by class name) or {@code text}
     * (prompts from a template). {@code exampleLabels}: a vocabulary for demos and benchmarks
     * (text models; class models use their class names).
     */
    public record Conditioning(String kind, List<String> classNames, String classNamesFile, Integer nullClass,
                               String promptTemplate, Tokenizer tokenizer, List<String> exampleLabels) {
    }

    /**
     * Tokenizer of a text model. {@code word}: whitespace-separated words looked up in a
     * vocabulary file; {@code clip-bpe}: a Hugging Face {@code tokenizer.json} (CLIP's byte-level
     * BPE). {@code bosId}/{@code eosId} wrap the tokens, {@code padId} fills to {@code maxLength};
     * {@code truncate}: cut over-long prompts as CLIP does (keeping the end token) instead of
     * refusing them.
     */
    public record Tokenizer(String kind, String file, int maxLength, boolean lowercase, int padId, int bosId,
                            int eosId, Boolean truncate) {
    }

    /** {@code pixel}, or {@code latent} with a VAE encoder network, latent channels and scaling factor. */
    public record Space(String kind, String vaeEncoder, Integer latentChannels, Double scalingFactor,
                        Integer downsample) {
    }

    /**
     * Input image: square side {@code size}, {@code channels} (1 grey, 3 RGB), resize rule,
     * normalisation, and the background that transparent pixels are composited onto (0..255).
     */
    public record Image(int size, int channels, String colour, String resize, String normalization,
                        List<Integer> alphaBackground) {
    }

    /** Noise schedule: its recipe and the full alphas_cumprod (index = timestep). */
    public record Schedule(String recipe, Double betaStart, Double betaEnd, int trainSteps, double[] alphasCumprod) {
    }

    /** {@code epsilon} or {@code v_prediction}; learned sigma doubles the output channels. */
    public record Prediction(String type, boolean learnedSigma) {
    }

    /**
     * One ONNX network: file, input names by role, their element types, output names (and types)
     * by role; optionally a float16 export of the same network ({@code float16}), which the
     * {@code fp16} setting picks instead of this one.
     */
    public record Network(String file, Map<String, String> inputs, Map<String, String> inputTypes,
                          Map<String, String> outputs, Map<String, String> outputTypes, Float16Variant float16) {

        /** Whether any float input or output of this network is float16. */
        public boolean isFloat16() {
            return java.util.stream.Stream.of(inputTypes, outputTypes).filter(java.util.Objects::nonNull)
                    .anyMatch(t -> t.containsValue("float16"));
        }

        /** This network as its float16 variant: same names, the variant's file and element types. */
        public Network asFloat16() {
            return new Network(float16.file(), inputs, float16.inputTypes(), outputs, float16.outputTypes(), null);
        }
    }

    /** The float16 export of a network: its file and element types (names are the network's). */
    public record Float16Variant(String file, Map<String, String> inputTypes, Map<String, String> outputTypes) {
    }

    /** The element type of an input role, or {@code fallback} when the manifest does not say. */
    public static String inputType(Network n, String role, String fallback) {
        return n.inputTypes() == null ? fallback : n.inputTypes().getOrDefault(role, fallback);
    }

    /**
     * Classifier defaults: calibrated temperature, how it was fitted, error, default stages; optional
     * timestep weights and sequential plan (with its own temperature), which plan is the default
     * ({@code "sequential"}, or absent / {@code "stages"}), and the timestep range the samples are
     * spread over (absent: [1, trainSteps)).
     */
    public record Classifier(double temperature, Map<String, Object> temperatureFit, String error,
                             List<List<Integer>> stages, TimestepWeighting timestepWeights, SequentialPlan sequential,
                             String defaultPlan, TimestepRange timestepRange) {
        public Classifier(double temperature, Map<String, Object> temperatureFit, String error,
                          List<List<Integer>> stages) {
            this(temperature, temperatureFit, error, stages, null, null, null, null);
        }
    }

    /**
     * The half-open timestep range [min, max) the classifier's samples are spread over. A model
     * declares one when some timesteps carry no label information but dominate the mean error
     * (e.g. t = 1 for an epsilon-predicting model: the noise is too small to predict, so its error
     * is large and label-blind); {@code why} says how it was chosen.
     */
    public record TimestepRange(int min, int max, String why) {
    }

    /**
     * Weights and scales of the {@code grid} even-grid timesteps, ascending t (see the classifier's
     * TimestepWeights); {@code fit} says how they were fitted.
     */
    public record TimestepWeighting(int grid, List<Double> weights, List<Double> scales, Map<String, Object> fit) {
        public double[] weightArray() {
            return weights.stream().mapToDouble(Double::doubleValue).toArray();
        }

        public double[] scaleArray() {
            return scales.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    /** The model's sequential elimination plan and the temperature fitted for it. */
    public record SequentialPlan(int block, int min, int max, double level, boolean weighted, Double temperature,
                                 Map<String, Object> temperatureFit) {
    }

    /** A file of the model folder with its SHA-256. */
    public record FileEntry(String path, String sha256) {
    }
}
