package org.difflabel.model;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;

import java.io.IOException;
import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One ONNX network loaded through DJL's ONNX Runtime engine: one session per network per
 * process, shared by all threads; each thread gets its own DJL {@link Predictor} (predictors
 * are not thread-safe) and each call its own native sub-manager, so native memory is freed per
 * call.
 */
public final class OnnxNetwork implements AutoCloseable {
    static {
        // never phone home (PLATFORM.md): DJL otherwise makes a telemetry call at start
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private final Path file;
    private final ZooModel<NDList, NDList> model;
    private final Set<String> inputNames;
    private final List<Predictor<NDList, NDList>> predictors = Collections.synchronizedList(new ArrayList<>());
    private final ThreadLocal<Predictor<NDList, NDList>> predictor;

    /** A named input tensor: data is a FloatBuffer, float[], long[] or int[]. */
    public record Input(String name, Object data, long... shape) {
    }

    public OnnxNetwork(Path file, int intraOpThreads) {
        this.file = file;
        if (!Files.isRegularFile(file)) {
            // checked first: DJL walks the file system looking for a model when the file is missing
            throw new ModelLoadException(file, "missing network file");
        }
        String name = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file.getParent())
                .optModelName(name)
                .optEngine("OnnxRuntime")
                .optTranslator(new NoopTranslator())
                // DJL only applies intraOpNumThreads when interOpNumThreads is also given
                .optOption("interOpNumThreads", "1")
                .optOption("intraOpNumThreads", Integer.toString(intraOpThreads))
                .optOption("optLevel", "ALL_OPT")
                .build();
        try {
            this.model = criteria.loadModel();
        } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
            throw new ModelLoadException(file, "ONNX Runtime cannot load it: " + rootMessage(e), e);
        }
        this.inputNames = new HashSet<>(model.getBlock().describeInput().keys());
        this.predictor = ThreadLocal.withInitial(() -> {
            Predictor<NDList, NDList> p = model.newPredictor();
            predictors.add(p);
            return p;
        });
    }

    public Path file() {
        return file;
    }

    public Set<String> inputNames() {
        return Collections.unmodifiableSet(inputNames);
    }

    /** Fails with a clear message when the network does not take exactly {@code expected} inputs. */
    public void requireInputs(Set<String> expected) {
        if (!inputNames.equals(expected)) {
            throw new ModelLoadException(file, "network inputs are " + inputNames + ", the manifest names " + expected);
        }
    }

    /** An output tensor copied to the heap. */
    public record Output(float[] values, long[] shape) {
    }

    /** Runs the network and returns the named output whole (for the small, cold-path networks). */
    public Output run(List<Input> inputs, String output) {
        Output[] result = new Output[1];
        call(inputs, output, y -> result[0] = new Output(y.toFloatArray(), y.getShape().getShape()));
        return result[0];
    }

    /**
     * Runs the network and copies the named output into {@code out}. Returns the output's shape.
     * When {@code keepChannels > 0}, only the first {@code keepChannels} channels of each row are
     * copied (learned-sigma models append variance channels to the noise prediction).
     */
    public void run(List<Input> inputs, String output, float[] out, int keepChannels) {
        call(inputs, output, y -> {
            long[] shape = y.getShape().getShape();
            float[] values = y.toFloatArray();
            if (keepChannels <= 0 || shape.length < 2 || shape[1] == keepChannels) {
                System.arraycopy(values, 0, out, 0, values.length);
            } else {
                int rows = (int) shape[0];
                int plane = (int) (values.length / shape[0] / shape[1]);
                int rowIn = (int) shape[1] * plane;
                int rowOut = keepChannels * plane;
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(values, r * rowIn, out, r * rowOut, rowOut);
                }
            }
        });
    }

    private void call(List<Input> inputs, String output, java.util.function.Consumer<NDArray> reader) {
        Predictor<NDList, NDList> p = predictor.get();
        try (NDManager sub = model.getNDManager().newSubManager()) {
            NDList list = new NDList(inputs.size());
            for (Input in : inputs) {
                NDArray a = create(sub, in);
                a.setName(in.name());
                list.add(a);
            }
            NDList result = p.predict(list);
            NDArray y = result.get(output);
            if (y == null) {
                List<String> names = new ArrayList<>();
                result.forEach(r -> names.add(r.getName()));
                throw new ModelLoadException(file, "network has no output '" + output + "' (outputs: " + names + ")");
            }
            reader.accept(y);
        } catch (TranslateException | RuntimeException e) {
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            throw new InferenceException(file, rootMessage(e), e);
        }
    }

    private static NDArray create(NDManager m, Input in) {
        Shape shape = new Shape(in.shape());
        Object d = in.data();
        if (d instanceof FloatBuffer fb) {
            return m.create((Buffer) fb, shape, DataType.FLOAT32);
        } else if (d instanceof float[] f) {
            return m.create(FloatBuffer.wrap(f, 0, (int) shape.size()), shape);
        } else if (d instanceof long[] l) {
            return m.create(LongBuffer.wrap(l, 0, (int) shape.size()), shape);
        } else if (d instanceof int[] i) {
            return m.create(IntBuffer.wrap(i, 0, (int) shape.size()), shape);
        }
        throw new IllegalArgumentException("unsupported input data " + d.getClass());
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }

    @Override
    public void close() {
        synchronized (predictors) {
            predictors.forEach(Predictor::close);
            predictors.clear();
        }
        model.close();
    }

    /** The network failed while running (not the input's fault as far as we can tell). */
    public static final class InferenceException extends RuntimeException {
        public InferenceException(Path file, String message, Throwable cause) {
            super(file.getFileName() + ": inference failed: " + message, cause);
        }
    }
}
