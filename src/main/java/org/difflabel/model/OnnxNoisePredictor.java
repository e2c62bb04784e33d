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
    private final String sampleType;
    private final String timestepType;
    private final String conditionType;
    private final PredictionType predictionType;

    OnnxNoisePredictor(OnnxNetwork net, ModelManifest.Network spec, boolean isClass, int[] sampleShape, int maxBatch,
                       PredictionType predictionType) {
        this.net = net;
        this.shape = sampleShape.clone();
        this.maxBatch = maxBatch;
        this.sampleName = spec.inputs().get("sample");
        this.timestepName = spec.inputs().get("timestep");
        this.conditionName = spec.inputs().get("condition");
        this.outputName = spec.outputs().get("noise");
        this.sampleType = ModelManifest.inputType(spec, "sample", "float32");
        this.timestepType = ModelManifest.inputType(spec, "timestep", "int64");
        this.conditionType = ModelManifest.inputType(spec, "condition", isClass ? "int64" : "float32");
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
        OnnxNetwork.Input x = new OnnxNetwork.Input(sampleName, samples, sampleType, n, shape[0], shape[1], shape[2]);
        OnnxNetwork.Input t = new OnnxNetwork.Input(timestepName, timesteps, timestepType, n);
        net.run(List.of(x, t, condition(conditions, n)), outputName, out, shape[0]);
    }

    private OnnxNetwork.Input condition(Condition[] conditions, int n) {
        if (conditions[0] instanceof Condition.ClassIndex) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = ((Condition.ClassIndex) conditions[i]).index();
            }
            return new OnnxNetwork.Input(conditionName, v, conditionType, n);
        }
        Condition.Embedding first = (Condition.Embedding) conditions[0];
        int row = first.values().length;
        float[] v = new float[n * row];
        for (int i = 0; i < n; i++) {
            System.arraycopy(((Condition.Embedding) conditions[i]).values(), 0, v, i * row, row);
        }
        return new OnnxNetwork.Input(conditionName, v, conditionType, n, first.tokens(), first.dim());
    }
}
