package org.difflabel.model;

/**
 * Process-wide DJL settings, applied before DJL's first use (explicit -D values win):
 * never phone home (DJL makes a telemetry call at start otherwise), use ONNX Runtime as the
 * only engine, and no "alternative engine" for NDArray maths (the tokenizers jar would otherwise
 * offer DJL's Rust engine, whose native library is downloaded at run time).
 */
final class DjlSettings {
    private DjlSettings() {
    }

    static void apply() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.default_engine", "OnnxRuntime");
        setIfAbsent("ai.djl.onnx.disable_alternative", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
