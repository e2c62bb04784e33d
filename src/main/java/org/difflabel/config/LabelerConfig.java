package org.difflabel.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import org.difflabel.model.ExecutionProvider;
import org.difflabel.model.ImageLimits;
import org.difflabel.model.ModelOptions;

import java.util.Optional;

/**
 * All of the labeler's settings, in one place ({@code application.properties}, environment
 * variables {@code LABELER_...}, or {@code -D}). Command-line options override them per run.
 */
@ConfigMapping(prefix = "labeler")
public interface LabelerConfig {

    /** The model and how it runs. */
    Model model();

    /** Limits checked before an image is decoded. */
    Image image();

    interface Model {
        /** Model folder holding {@code model.json}; relative paths are resolved against the working directory. */
        @WithDefault("onnx-models/mnist-ddpm")
        String path();

        /** ONNX Runtime threads per call; 0 = all cores. Keep stream threads x this <= cores. */
        @WithDefault("0")
        int intraOpThreads();

        /** Largest (label x sample) batch per network call. 256 keeps a 2-core CPU busy with the shipped models. */
        @WithDefault("256")
        int batchSize();

        /** Text embeddings kept in the LRU cache (per model version and prompt). */
        @WithDefault("1024")
        int embeddingCacheSize();

        /** Largest vocabulary one request may carry. */
        @WithDefault("1000")
        int maxLabels();

        /** {@code auto} (CUDA when usable, else CPU with a warning), {@code cuda} (fail fast without a GPU) or {@code cpu}. */
        @WithDefault("auto")
        String executionProvider();

        /** CUDA device id. */
        @WithDefault("0")
        int deviceId();

        /** Overrides the manifest's calibrated temperature. */
        Optional<Double> temperature();

        /** Overrides the default stages, e.g. {@code 16:3,64:1} ({@code samples:keep,...}) or a flat {@code 64}. */
        Optional<String> stages();
    }

    interface Image {
        /** Largest encoded image in bytes (20 MiB). */
        @WithDefault("20971520")
        long maxBytes();

        /** Largest width x height, checked from the header before decoding (4096 x 4096). */
        @WithDefault("16777216")
        long maxPixels();
    }

    /** The model options these settings describe. */
    default ModelOptions modelOptions() {
        int threads = model().intraOpThreads() > 0 ? model().intraOpThreads() : Runtime.getRuntime().availableProcessors();
        return new ModelOptions(threads, model().batchSize(), model().embeddingCacheSize(),
                new ImageLimits(image().maxBytes(), image().maxPixels()), model().maxLabels(),
                ExecutionProvider.parse(model().executionProvider()), model().deviceId());
    }
}
