package org.difflabel.model;

/**
 * How a model runs in this process.
 *
 * @param intraOpThreads      ONNX Runtime threads per call; keep stream threads x this <= cores
 * @param batchSize           largest (label x sample) batch per network call
 * @param embeddingCacheSize  text embeddings kept (LRU)
 * @param imageLimits         limits checked before decoding
 * @param maxLabels           largest vocabulary accepted
 */
public record ModelOptions(int intraOpThreads, int batchSize, int embeddingCacheSize, ImageLimits imageLimits,
                           int maxLabels) {

    public static ModelOptions defaults() {
        return new ModelOptions(Runtime.getRuntime().availableProcessors(), 256, 1024, ImageLimits.DEFAULT, 1000);
    }

    public ModelOptions withIntraOpThreads(int n) {
        return new ModelOptions(n, batchSize, embeddingCacheSize, imageLimits, maxLabels);
    }

    public ModelOptions withBatchSize(int n) {
        return new ModelOptions(intraOpThreads, n, embeddingCacheSize, imageLimits, maxLabels);
    }
}
