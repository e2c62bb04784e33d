package org.difflabel.classifier;

/** What one label contributes to the noise predictor: a class index or a text embedding. */
public sealed interface Condition permits Condition.ClassIndex, Condition.Embedding {

    /** Class-conditional models (DiT layout): the label's class index. */
    record ClassIndex(long index) implements Condition {
    }

    /** Text-conditional models (SD layout): the encoder's hidden states, row-major [tokens, dim]. */
    record Embedding(float[] values, int tokens, int dim) implements Condition {
        public Embedding {
            if (values.length != tokens * dim) {
                throw new IllegalArgumentException("embedding has " + values.length + " values, expected "
                        + tokens + " x " + dim);
            }
        }
    }
}
