package org.difflabel.model;

import java.util.Locale;

/**
 * Which precision of a network to run when the model folder ships both (a network's
 * {@code float16} variant in {@code model.json}): {@code on} takes float16, {@code off} float32,
 * {@code auto} float16 on CUDA and float32 on CPU, where ONNX Runtime has few float16 kernels and
 * casts around the rest. A folder holding one precision only runs that one under {@code auto};
 * asking {@code on} or {@code off} for a precision it lacks fails at load.
 */
public enum Fp16 {
    AUTO, ON, OFF;

    public static Fp16 parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fp16 must be auto, on or off, got '" + s + "'");
        }
    }

    /** The network to load for {@code name}, given whether it runs on a GPU. */
    ModelManifest.Network choose(java.nio.file.Path manifest, String name, ModelManifest.Network spec, boolean gpu) {
        boolean wantHalf = this == ON || (this == AUTO && gpu);
        if (spec.isFloat16()) {
            if (this == OFF) {
                throw new ModelLoadException(manifest, "fp16=off, but networks." + name + " is float16 only (no float32"
                        + " export in the folder)");
            }
            return spec;
        }
        if (!wantHalf) {
            return spec;
        }
        if (spec.float16() != null) {
            return spec.asFloat16();
        }
        if (this == ON) {
            throw new ModelLoadException(manifest, "fp16=on, but networks." + name + " has no float16 variant (add"
                    + " networks." + name + ".float16 with its file, or run with fp16=auto or off)");
        }
        return spec;
    }
}
