package org.difflabel.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the golden tensor files written by {@code write_tensor} in onnx-models/tools/common.py. */
record GoldenTensor(long[] shape, float[] floats, long[] longs) {

    static GoldenTensor read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("GTNS")) {
            throw new IOException(file + ": not a golden tensor file");
        }
        int code = b.getInt();
        int rank = b.getInt();
        long[] shape = new long[rank];
        long n = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = b.getLong();
            n *= shape[i];
        }
        switch (code) {
            case 1 -> {
                float[] f = new float[(int) n];
                b.asFloatBuffer().get(f);
                return new GoldenTensor(shape, f, null);
            }
            case 2 -> {
                long[] l = new long[(int) n];
                b.asLongBuffer().get(l);
                return new GoldenTensor(shape, null, l);
            }
            default -> throw new IOException(file + ": unsupported dtype code " + code);
        }
    }
}
