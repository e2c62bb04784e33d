package org.difflabel.model;

/**
 * How a model runs in this process.
 *
 * @param intraOpThreads      ONNX Runtime threads per call; keep stream threads x this <= cores
 * @param batchSize           largest (label x sample) batch per network call
 * @param embeddingCacheSize  text embeddings kept (LRU)
 * @param imageLimits         limits checked before decoding
 * @param maxLabels           largest vocabulary accepted
 * @param executionProvider   auto, cuda or cpu
 * @param deviceId            CUDA device
 * @param fp16                which precision to run where the folder has both
 */
public record ModelOptions(int intraOpThreads, int batchSize, int embeddingCacheSize, ImageLimits imageLimits,
                           int maxLabels, ExecutionProvider executionProvider, int deviceId, Fp16 fp16) {

    public static ModelOptions defaults() {
        return new ModelOptions(Runtime.getRuntime().availableProcessors(), 256, 1024, ImageLimits.DEFAULT, 1000,
                ExecutionProvider.AUTO, 0, Fp16.AUTO);
    }

    public ModelOptions withFp16(Fp16 f) {
        return new ModelOptions(intraOpThreads, batchSize, embeddingCacheSize, imageLimits, maxLabels, executionProvider,
                deviceId, f);
    }

    public ModelOptions withIntraOpThreads(int n) {
        return new ModelOptions(n, batchSize, embeddingCacheSize, imageLimits, maxLabels, executionProvider, deviceId, fp16);
    }

    public ModelOptions withBatchSize(int n) {
        return new ModelOptions(intraOpThreads, n, embeddingCacheSize, imageLimits, maxLabels, executionProvider, deviceId, fp16);
    }

    public ModelOptions withDeviceId(int id) {
        return new ModelOptions(intraOpThreads, batchSize, embeddingCacheSize, imageLimits, maxLabels, executionProvider, id, fp16);
    }

    public ModelOptions withExecutionProvider(ExecutionProvider ep) {
        return new ModelOptions(intraOpThreads, batchSize, embeddingCacheSize, imageLimits, maxLabels, ep, deviceId, fp16);
    }
}
