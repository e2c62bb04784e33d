package org.difflabel.model;

import ai.djl.Device;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        DjlSettings.apply();
    }

    private final Path file;
    private final Device device;
    private final ZooModel<NDList, NDList> model;
    private final Set<String> inputNames;
    private final List<Predictor<NDList, NDList>> predictors = Collections.synchronizedList(new ArrayList<>());
    private final ThreadLocal<Predictor<NDList, NDList>> predictor;

    /**
     * A named input tensor. {@code data} is a FloatBuffer, float[] or long[]; it is converted to
     * {@code dtype} ({@code float32}, {@code float16}, {@code int64}, {@code int32}) as the
     * network's manifest entry says. A direct FloatBuffer fed as float32 is used without a copy.
     */
    public record Input(String name, Object data, String dtype, long... shape) {
        public Input {
            if (!DTYPES.contains(dtype)) {
                throw new IllegalArgumentException("unsupported tensor type '" + dtype + "' (supported: " + DTYPES + ")");
            }
        }
    }

    /** Element types the networks may take. */
    public static final Set<String> DTYPES = Set.of("float32", "float16", "int64", "int32");

    public OnnxNetwork(Path file, int intraOpThreads) {
        this(file, intraOpThreads, Device.cpu());
    }

    public OnnxNetwork(Path file, int intraOpThreads, Device device) {
        this.file = file;
        this.device = device;
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
                .optDevice(device)
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

    public boolean onGpu() {
        return device.isGpu();
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
        call(inputs, output, y -> result[0] = new Output(floats(y), y.getShape().getShape()));
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
            float[] values = floats(y);
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
        int n = (int) shape.size();
        Object d = in.data();
        switch (in.dtype()) {
            case "float32":
                if (d instanceof FloatBuffer fb) {
                    return m.create((Buffer) fb, shape, DataType.FLOAT32);
                }
                return m.create(FloatBuffer.wrap(floatsOf(d, n), 0, n), shape);
            case "float16": {
                ByteBuffer b = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
                float[] f = floatsOf(d, n);
                for (int i = 0; i < n; i++) {
                    b.putShort(i * 2, Float16.fromFloat(f[i]));
                }
                return m.create(b, shape, DataType.FLOAT16);
            }
            case "int64":
                return m.create(LongBuffer.wrap(longsOf(d), 0, n), shape);
            default: { // int32
                long[] l = longsOf(d);
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = Math.toIntExact(l[i]);
                }
                return m.create(IntBuffer.wrap(v), shape);
            }
        }
    }

    private static float[] floatsOf(Object d, int n) {
        if (d instanceof float[] f) {
            return f;
        }
        if (d instanceof FloatBuffer fb) {
            float[] f = new float[n];
            fb.duplicate().get(f);
            return f;
        }
        long[] l = longsOf(d);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = l[i];
        }
        return f;
    }

    private static long[] longsOf(Object d) {
        if (d instanceof long[] l) {
            return l;
        }
        throw new IllegalArgumentException("integer tensor needs long[] data, got " + d.getClass().getSimpleName());
    }

    /** Output values as float32, whatever the network's output type. */
    private static float[] floats(NDArray y) {
        if (y.getDataType() == DataType.FLOAT16) {
            ByteBuffer b = y.toByteBuffer().order(ByteOrder.nativeOrder());
            float[] f = new float[(int) y.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = Float16.toFloat(b.getShort(i * 2));
            }
            return f;
        }
        return y.toFloatArray();
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
