package org.difflabel.model;

import org.difflabel.classifier.Condition;
import org.difflabel.classifier.NoisePredictor;

import java.nio.FloatBuffer;
import java.util.List;

/** The manifest's {@code unet} network as a {@link NoisePredictor}. */
final class OnnxNoisePredictor implements NoisePredictor {
    private final OnnxNetwork net;
    private final int[] shape;
    private final int maxBatch;
    private final String sampleName;
    private final String timestepName;
    private final String conditionName;
    private final String outputName;
    private final String timestepType;
    private final String conditionType;
    private final PredictionType predictionType;

    OnnxNoisePredictor(OnnxNetwork net, ModelManifest.Network spec, int[] sampleShape, int maxBatch,
                       PredictionType predictionType) {
        this.net = net;
        this.shape = sampleShape.clone();
        this.maxBatch = maxBatch;
        this.sampleName = spec.inputs().get("sample");
        this.timestepName = spec.inputs().get("timestep");
        this.conditionName = spec.inputs().get("condition");
        this.outputName = spec.outputs().get("noise");
        this.timestepType = spec.inputTypes() == null ? "int64" : spec.inputTypes().getOrDefault("timestep", "int64");
        this.conditionType = spec.inputTypes() == null ? null : spec.inputTypes().get("condition");
        this.predictionType = predictionType;
    }

    @Override
    public int[] sampleShape() {
        return shape.clone();
    }

    @Override
    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public PredictionType predictionType() {
        return predictionType;
    }

    @Override
    public void predict(FloatBuffer samples, long[] timesteps, Condition[] conditions, int n, float[] out) {
        OnnxNetwork.Input x = new OnnxNetwork.Input(sampleName, samples, n, shape[0], shape[1], shape[2]);
        OnnxNetwork.Input t = new OnnxNetwork.Input(timestepName, timesteps(timesteps, n), n);
        OnnxNetwork.Input c = condition(conditions, n);
        net.run(List.of(x, t, c), outputName, out, shape[0]);
    }

    private Object timesteps(long[] t, int n) {
        switch (timestepType) {
            case "int32": {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (int) t[i];
                }
                return v;
            }
            case "float32": {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = t[i];
                }
                return v;
            }
            default:
                return t;
        }
    }

    private OnnxNetwork.Input condition(Condition[] conditions, int n) {
        if (conditions[0] instanceof Condition.ClassIndex) {
            if ("int32".equals(conditionType)) {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (int) ((Condition.ClassIndex) conditions[i]).index();
                }
                return new OnnxNetwork.Input(conditionName, v, n);
            }
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = ((Condition.ClassIndex) conditions[i]).index();
            }
            return new OnnxNetwork.Input(conditionName, v, n);
        }
        Condition.Embedding first = (Condition.Embedding) conditions[0];
        int row = first.values().length;
        float[] v = new float[n * row];
        for (int i = 0; i < n; i++) {
            System.arraycopy(((Condition.Embedding) conditions[i]).values(), 0, v, i * row, row);
        }
        return new OnnxNetwork.Input(conditionName, v, n, first.tokens(), first.dim());
    }
}
