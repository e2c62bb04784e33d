package org.difflabel.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.jboss.logging.Logger;

/**
 * Where ONNX Runtime runs the networks: {@code cpu}, {@code cuda} (fail fast when CUDA is not
 * usable), or {@code auto} (CUDA when usable, else CPU with one warning). Nothing in ONNX Runtime
 * falls back by itself: a session asked for CUDA on a machine without it fails, so the choice is
 * made here, once per model load.
 */
public enum ExecutionProvider {
    AUTO, CUDA, CPU;

    private static final Logger LOG = Logger.getLogger(ExecutionProvider.class);

    public static ExecutionProvider parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("execution provider must be auto, cuda or cpu, got '" + s + "'");
        }
    }

    /** Whether this build of ONNX Runtime has the CUDA execution provider (the {@code gpu} Maven profile). */
    static boolean cudaInBuild() {
        DjlSettings.apply();
        Engine.getEngine("OnnxRuntime"); // DJL initialises the ORT environment first (PLATFORM.md)
        return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    }

    /**
     * Opens a network on the chosen device. {@code auto} and {@code cuda} try the GPU first; the
     * first failure under {@code auto} is logged once and the process stays on CPU.
     */
    OnnxNetwork open(java.nio.file.Path file, int threads, int deviceId) {
        if (this == CPU) {
            return new OnnxNetwork(file, threads, Device.cpu());
        }
        if (!cudaInBuild()) {
            if (this == CUDA) {
                throw new ModelLoadException(file, "execution-provider=cuda, but this build of ONNX Runtime has no "
                        + "CUDA execution provider (build with the gpu Maven profile: ./mvnw -Pgpu package)");
            }
            return new OnnxNetwork(file, threads, Device.cpu());
        }
        try {
            return new OnnxNetwork(file, threads, Device.gpu(deviceId));
        } catch (ModelLoadException e) {
            if (this == CUDA) {
                throw new ModelLoadException(file, "execution-provider=cuda, but CUDA device " + deviceId
                        + " is not usable: " + e.getMessage(), e);
            }
            LOG.warnf("CUDA device %d is not usable (%s); running %s on CPU", deviceId, e.getMessage(), file.getFileName());
            return new OnnxNetwork(file, threads, Device.cpu());
        }
    }
}
