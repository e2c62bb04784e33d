package org.difflabel.model;

import org.difflabel.classifier.Schedule;
import org.difflabel.classifier.TimestepWeights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and checks a model folder's {@code model.json}: strict parsing (unknown fields are
 * refused), supported values only, and the SHA-256 of every file before any of it is used.
 * Every problem is one {@link ModelLoadException} naming the file and the problem.
 */
public final class ManifestReader {
    public static final String MANIFEST = "model.json";

    private static final Set<String> TENSOR_TYPES = Set.of("int64", "int32", "float32", "float16");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ManifestReader() {
    }

    /** Reads {@code folder/model.json}, checks it and verifies every file's checksum. */
    public static ModelManifest read(Path folder) {
        Path path = folder.resolve(MANIFEST);
        if (!Files.isDirectory(folder)) {
            throw new ModelLoadException(folder, "model folder does not exist");
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelLoadException(path, "missing manifest (every model folder has a model.json)");
        }
        ModelManifest m;
        try {
            m = JSON.readValue(path.toFile(), ModelManifest.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ModelLoadException(path, "unsupported manifest field '" + e.getPropertyName() + "' at "
                    + e.getPathReference() + " (this worker reads formatVersion " + ModelManifest.FORMAT_VERSION + ")");
        } catch (JsonProcessingException e) {
            throw new ModelLoadException(path, "invalid manifest: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read manifest: " + e.getMessage(), e);
        }
        check(path, m);
        verifyFiles(folder, m);
        return m;
    }

    private static void check(Path p, ModelManifest m) {
        require(p, m.formatVersion() == ModelManifest.FORMAT_VERSION,
                "unsupported formatVersion " + m.formatVersion() + " (supported: " + ModelManifest.FORMAT_VERSION + ")");
        require(p, notBlank(m.id()), "missing 'id'");
        require(p, notBlank(m.version()), "missing 'version'");
        require(p, m.conditioning() != null, "missing 'conditioning'");
        require(p, m.space() != null, "missing 'space'");
        require(p, m.image() != null, "missing 'image'");
        require(p, m.schedule() != null, "missing 'schedule'");
        require(p, m.prediction() != null, "missing 'prediction'");
        require(p, m.networks() != null && m.networks().containsKey("unet"), "missing network 'unet'");
        require(p, m.classifier() != null, "missing 'classifier'");
        require(p, m.files() != null, "missing 'files'");

        ModelManifest.Conditioning c = m.conditioning();
        switch (String.valueOf(c.kind())) {
            case "class" -> require(p, (c.classNames() != null && !c.classNames().isEmpty()) ^ (c.classNamesFile() != null),
                    "conditioning.kind 'class' needs conditioning.classNames or conditioning.classNamesFile (one of them)");
            case "text" -> {
                require(p, c.tokenizer() != null, "conditioning.kind 'text' needs conditioning.tokenizer");
                require(p, Set.of("word", "clip-bpe").contains(c.tokenizer().kind()),
                        "unsupported conditioning.tokenizer.kind '" + c.tokenizer().kind() + "' (supported: word, clip-bpe)");
                require(p, c.tokenizer().maxLength() > 2, "conditioning.tokenizer.maxLength must be > 2");
                require(p, c.promptTemplate() == null || c.promptTemplate().contains("{label}"),
                        "conditioning.promptTemplate must contain {label}");
                requireNetwork(p, m, "textEncoder", List.of("input_ids"), List.of("last_hidden_state"));
            }
            default -> fail(p, "unsupported conditioning.kind '" + c.kind() + "' (supported: class, text)");
        }

        ModelManifest.Space s = m.space();
        switch (String.valueOf(s.kind())) {
            case "pixel" -> { }
            case "latent" -> {
                require(p, notBlank(s.vaeEncoder()), "space.kind 'latent' needs space.vaeEncoder (a network name)");
                require(p, s.latentChannels() != null && s.latentChannels() > 0, "space.kind 'latent' needs space.latentChannels");
                require(p, s.scalingFactor() != null && s.scalingFactor() > 0, "space.kind 'latent' needs space.scalingFactor");
                require(p, s.downsample() != null && s.downsample() > 0, "space.kind 'latent' needs space.downsample");
                requireNetwork(p, m, s.vaeEncoder(), List.of("sample"), List.of("latent"));
            }
            default -> fail(p, "unsupported space.kind '" + s.kind() + "' (supported: pixel, latent)");
        }

        ModelManifest.Image im = m.image();
        require(p, im.size() > 0, "image.size must be > 0");
        require(p, im.channels() == 1 || im.channels() == 3, "image.channels must be 1 or 3, got " + im.channels());
        require(p, Set.of("area-short-side-center-crop", "bicubic-short-side-center-crop").contains(im.resize()),
                "unsupported image.resize '" + im.resize()
                        + "' (supported: area-short-side-center-crop, bicubic-short-side-center-crop)");
        require(p, "x/127.5-1".equals(im.normalization()),
                "unsupported image.normalization '" + im.normalization() + "' (supported: x/127.5-1)");
        require(p, im.alphaBackground() == null || im.alphaBackground().size() == 3,
                "image.alphaBackground must be [r, g, b]");

        ModelManifest.Schedule sc = m.schedule();
        require(p, sc.alphasCumprod() != null && sc.alphasCumprod().length == sc.trainSteps() && sc.trainSteps() > 1,
                "schedule.alphasCumprod must have schedule.trainSteps values");
        for (double a : sc.alphasCumprod()) {
            require(p, a > 0 && a < 1, "schedule.alphasCumprod values must be in (0, 1)");
        }
        require(p, Set.of("epsilon", "v_prediction").contains(m.prediction().type()),
                "unsupported prediction.type '" + m.prediction().type() + "' (supported: epsilon, v_prediction)");

        requireNetwork(p, m, "unet", List.of("sample", "timestep", "condition"), List.of("noise"));
        for (Map.Entry<String, ModelManifest.Network> n : m.networks().entrySet()) {
            String at = "networks." + n.getKey();
            requireTypes(p, at, n.getValue().inputTypes(), n.getValue().outputTypes());
            ModelManifest.Float16Variant v = n.getValue().float16();
            if (v != null) {
                require(p, notBlank(v.file()), at + ".float16.file is missing");
                require(p, !n.getValue().isFloat16(), at + ".float16: the network itself is float16 already");
                require(p, n.getValue().asFloat16().isFloat16(), at + ".float16 declares no float16 input or output type");
                requireTypes(p, at + ".float16", v.inputTypes(), v.outputTypes());
            }
        }
        require(p, m.classifier().temperature() > 0, "classifier.temperature must be > 0");
        ModelManifest.TimestepRange range = m.classifier().timestepRange();
        require(p, range == null || range.min() >= 0 && range.max() <= sc.trainSteps() && range.max() - range.min() >= 2,
                range == null ? "" : "classifier.timestepRange [" + range.min() + ", " + range.max()
                        + ") needs 0 <= min, max <= " + sc.trainSteps() + " (trainSteps) and at least 2 timesteps");
        checkPlans(p, m.classifier());
    }

    /** Timestep weights, the sequential plan and the default plan are usable as written. */
    private static void checkPlans(Path p, ModelManifest.Classifier c) {
        ModelManifest.TimestepWeighting w = c.timestepWeights();
        if (w != null) {
            require(p, w.weights() != null && w.scales() != null, "classifier.timestepWeights needs weights and scales");
            try {
                new TimestepWeights(w.grid(), w.weightArray(), w.scaleArray());
            } catch (IllegalArgumentException e) {
                throw new ModelLoadException(p, "classifier.timestepWeights: " + e.getMessage());
            }
        }
        ModelManifest.SequentialPlan s = c.sequential();
        if (s != null) {
            try {
                new Schedule.Sequential(s.block(), s.min(), s.max(), s.level(), s.weighted());
            } catch (IllegalArgumentException e) {
                throw new ModelLoadException(p, "classifier.sequential: " + e.getMessage());
            }
            require(p, s.temperature() == null || s.temperature() > 0, "classifier.sequential.temperature must be > 0");
            require(p, !s.weighted() || w == null || s.max() <= w.grid(),
                    "classifier.sequential.max is beyond the timestep weight grid");
        }
        String plan = c.defaultPlan();
        require(p, plan == null || plan.equals("stages") || plan.equals("sequential") && s != null,
                "classifier.defaultPlan must be 'stages' or 'sequential' (with a classifier.sequential block), got " + plan);
    }

    /** Every element type named in {@code typeMaps} (role -> type; null maps allowed) is supported. */
    @SafeVarargs
    private static void requireTypes(Path p, String at, Map<String, String>... typeMaps) {
        for (Map<String, String> types : typeMaps) {
            if (types != null) {
                for (Map.Entry<String, String> t : types.entrySet()) {
                    require(p, TENSOR_TYPES.contains(t.getValue()), "unsupported type '" + t.getValue() + "' for " + at
                            + "." + t.getKey() + " (supported: " + TENSOR_TYPES + ")");
                }
            }
        }
    }

    private static void requireNetwork(Path p, ModelManifest m, String name, List<String> inputs, List<String> outputs) {
        ModelManifest.Network n = m.networks().get(name);
        require(p, n != null, "missing network '" + name + "'");
        require(p, notBlank(n.file()), "networks." + name + ".file is missing");
        for (String role : inputs) {
            require(p, n.inputs() != null && notBlank(n.inputs().get(role)),
                    "networks." + name + ".inputs." + role + " is missing");
        }
        for (String role : outputs) {
            require(p, n.outputs() != null && notBlank(n.outputs().get(role)),
                    "networks." + name + ".outputs." + role + " is missing");
        }
    }

    /** Every network and tokenizer file must be listed, exist, and match its SHA-256. */
    private static void verifyFiles(Path folder, ModelManifest m) {
        Set<String> listed = new HashSet<>();
        for (ModelManifest.FileEntry f : m.files()) {
            listed.add(f.path());
        }
        for (ModelManifest.Network n : m.networks().values()) {
            require(folder.resolve(MANIFEST), listed.contains(n.file()),
                    "network file '" + n.file() + "' is not listed in 'files' (no checksum)");
            if (n.float16() != null) {
                require(folder.resolve(MANIFEST), listed.contains(n.float16().file()),
                        "network file '" + n.float16().file() + "' is not listed in 'files' (no checksum)");
            }
        }
        if (m.conditioning().classNamesFile() != null) {
            require(folder.resolve(MANIFEST), listed.contains(m.conditioning().classNamesFile()),
                    "class names file '" + m.conditioning().classNamesFile() + "' is not listed in 'files'");
        }
        if (m.conditioning().tokenizer() != null) {
            require(folder.resolve(MANIFEST), listed.contains(m.conditioning().tokenizer().file()),
                    "tokenizer file '" + m.conditioning().tokenizer().file() + "' is not listed in 'files'");
        }
        for (ModelManifest.FileEntry f : m.files()) {
            Path file = folder.resolve(f.path()).normalize();
            if (!file.startsWith(folder.normalize())) {
                throw new ModelLoadException(file, "file path leaves the model folder");
            }
            if (!Files.isRegularFile(file)) {
                throw new ModelLoadException(file, "missing file listed in " + MANIFEST);
            }
            String actual = sha256(file);
            if (!actual.equalsIgnoreCase(f.sha256())) {
                throw new ModelLoadException(file, "corrupt file: sha256 is " + actual + ", " + MANIFEST
                        + " says " + f.sha256());
            }
        }
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ModelLoadException(file, "cannot read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static void require(Path p, boolean ok, String problem) {
        if (!ok) {
            fail(p, problem);
        }
    }

    private static void fail(Path p, String problem) {
        throw new ModelLoadException(p, problem);
    }
}
