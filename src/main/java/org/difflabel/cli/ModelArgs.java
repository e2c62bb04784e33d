package org.difflabel.cli;

import org.difflabel.classifier.Budget;
import org.difflabel.classifier.Schedule;
import org.difflabel.config.LabelerConfig;
import org.difflabel.model.ExecutionProvider;
import org.difflabel.model.Fp16;
import org.difflabel.model.LabelModel;
import org.difflabel.model.ModelLoadException;
import org.difflabel.model.ModelOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** Options every command shares: which model, how it runs, the schedule. Unset ones come from config. */
public class ModelArgs {
    @Option(names = "--model", paramLabel = "DIR", description = "model folder with model.json (default: labeler.model.path)")
    Path model;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: labeler.model.intra-op-threads)")
    Integer threads;

    @Option(names = "--batch-size", description = "largest (label x sample) batch per call (default: labeler.model.batch-size)")
    Integer batchSize;

    @Option(names = "--execution-provider", paramLabel = "EP",
            description = "auto, cuda or cpu (default: labeler.model.execution-provider)")
    String executionProvider;

    @Option(names = "--device-id", description = "CUDA device (default: labeler.model.device-id)")
    Integer deviceId;

    @Option(names = "--fp16", paramLabel = "MODE",
            description = "float16 networks where the folder has them: auto, on or off (default: labeler.model.fp16)")
    String fp16;

    @Option(names = "--samples", paramLabel = "STAGES",
            description = "plan: a flat K (e.g. 64), stages samples:keep,... (e.g. 16:3,64:1) or sequential elimination, "
                    + "'sequential' (the model's plan) or e.g. sequential:block=8,min=8,max=64,alpha=0.01,weights=on")
    String samples;

    @Option(names = "--temperature", description = "softmax temperature (default: the model's calibrated one)")
    Double temperature;

    Path modelPath(LabelerConfig config) {
        return model != null ? model : Path.of(config.model().path());
    }

    ModelOptions options(LabelerConfig config) {
        return options(config, 1);
    }

    /** Options for {@code callers} threads classifying at once (the worker's stream threads). */
    ModelOptions options(LabelerConfig config, int callers) {
        ModelOptions o = config.modelOptions(callers);
        if (threads != null) {
            o = o.withIntraOpThreads(threads);
        }
        if (batchSize != null) {
            o = o.withBatchSize(batchSize);
        }
        if (executionProvider != null) {
            o = o.withExecutionProvider(ExecutionProvider.parse(executionProvider));
        }
        if (deviceId != null) {
            o = o.withDeviceId(deviceId);
        }
        if (fp16 != null) {
            o = o.withFp16(Fp16.parse(fp16));
        }
        return o;
    }

    /** The explicit plan for model {@code m}, or null for the model's default plan. */
    Schedule schedule(LabelerConfig config, LabelModel m) {
        String spec = samples != null ? samples : config.model().stages().orElse(null);
        try {
            return spec == null ? null : m.parseSchedule(spec);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("--samples: " + e.getMessage(), 2);
        }
    }

    /** The explicit plan, or the model's default plan for {@code labels} labels. */
    Schedule scheduleOrDefault(LabelerConfig config, LabelModel m, int labels) {
        Schedule s = schedule(config, m);
        return s != null ? s : m.defaultSchedule(labels);
    }

    /** {@code labeler.model.max-evaluations} / {@code latency-budget}. */
    Budget budget(LabelerConfig config) {
        return config.model().budget();
    }

    Double temperature(LabelerConfig config) {
        return temperature != null ? temperature : config.model().temperature().orElse(null);
    }

    LabelModel load(LabelerConfig config) {
        return load(config, 1);
    }

    LabelModel load(LabelerConfig config, int callers) {
        Path path = modelPath(config);
        try {
            return LabelModel.load(path, options(config, callers));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), 2);
        } catch (ModelLoadException e) {
            throw new CommandFailure("cannot load model: " + e.getMessage(), 3);
        }
    }
}
