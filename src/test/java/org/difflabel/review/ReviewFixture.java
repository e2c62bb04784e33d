package org.difflabel.review;

import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.ReviewReason;
import org.difflabel.contracts.ReviewTask;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Review tasks for tests: {@code task-NN}, the lower NN the closer the call (higher priority). */
public final class ReviewFixture {
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private ReviewFixture() {
    }

    public static String id(int i) {
        return String.format("task-%02d", i);
    }

    /**
     * Task {@code i}: the model's top label is digit {@code i % 10} with probability 0.5, the next
     * digit 0.3, the one after 0.2; priority {@code 1000 - i}; created {@code i} seconds after {@code t0}.
     */
    public static ReviewTask task(int i, Instant t0, byte[] png) {
        List<LabelProbability> candidates = new ArrayList<>();
        double[] p = {0.5, 0.3, 0.2};
        for (int k = 0; k < 3; k++) {
            candidates.add(new LabelProbability(DIGITS.get((i + k) % 10), p[k], 0.1 * (k + 1), 4));
        }
        return ReviewTask.newBuilder()
                .setEventId(id(i))
                .setModelId("mnist-ddpm")
                .setModelVersion("1.0.0")
                .setCandidates(candidates)
                .setTopLabel(candidates.get(0).getLabel())
                .setConfidence(0.5)
                .setMargin(0.2)
                .setEntropy(1.03)
                .setPriority(1000 - i)
                .setReasons(List.of(ReviewReason.LOW_CONFIDENCE))
                .setDecisionReason("confidence 0.500 < 0.900")
                .setPolicyVersion("7")
                .setAuditProbability(null)
                .setImage(png == null ? null : ByteBuffer.wrap(png))
                .setContentType(png == null ? null : "image/png")
                .setSource(new Lineage("images.requested", 0, (long) i, t0))
                .setMetadata(Map.of())
                .setCreatedAt(t0.plusSeconds(i))
                .build();
    }

    /** A shipped MNIST sample image (28x28 PNG). */
    public static byte[] samplePng() throws IOException {
        try (var s = Files.list(Path.of("onnx-models", "mnist-ddpm", "samples"))) {
            return Files.readAllBytes(s.filter(f -> f.toString().endsWith(".png")).sorted().findFirst().orElseThrow());
        }
    }
}
