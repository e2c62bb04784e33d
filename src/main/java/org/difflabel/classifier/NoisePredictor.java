package org.difflabel.classifier;

import java.nio.FloatBuffer;

/**
 * A conditional noise predictor eps_theta(x_t, t, c). Implementations run a network (ONNX
 * Runtime in {@code org.difflabel.model}); the classifier only fills inputs and reads outputs.
 *
 * <p>Implementations must be safe to call from several threads at once, each thread passing its
 * own buffers.
 */
public interface NoisePredictor {

    /** Shape of one sample in model space: channels, height, width. */
    int[] sampleShape();

    /** Largest batch one call accepts. */
    int maxBatch();

    /**
     * Predicts noise for rows {@code 0..n)}: {@code samples} holds n x C x H x W floats
     * (position 0, direct), {@code timesteps[i]} and {@code conditions[i]} belong to row i.
     * Writes n x C x H x W noise predictions (epsilon parameterisation, learned-sigma channels
     * already dropped; v-prediction is converted by the classifier) to {@code out}.
     */
    void predict(FloatBuffer samples, long[] timesteps, Condition[] conditions, int n, float[] out);

    /** What the network predicts, so the classifier can turn it into epsilon. */
    default PredictionType predictionType() {
        return PredictionType.EPSILON;
    }

    enum PredictionType { EPSILON, V_PREDICTION }
}
