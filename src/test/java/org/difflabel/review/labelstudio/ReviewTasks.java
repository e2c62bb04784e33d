package org.difflabel.review.labelstudio;

import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.ReviewReason;
import org.difflabel.contracts.ReviewTask;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Review tasks as the worker writes them, for the Label Studio tests. */
public final class ReviewTasks {
    public static final Instant CREATED = Instant.parse("2026-11-20T10:00:00Z");

    private ReviewTasks() {
    }

    /**
     * A task over {@code labels} (most probable first, the first one the top label) with {@code image}
     * inlined as PNG (null: not inlined).
     */
    public static ReviewTask task(String eventId, int priority, byte[] image, String... labels) {
        List<LabelProbability> candidates = new ArrayList<>();
        double p = 0.5;
        for (String l : labels) {
            candidates.add(LabelProbability.newBuilder().setLabel(l).setProbability(p).setMeanError(1 - p).setSamples(16)
                    .build());
            p /= 2;
        }
        return ReviewTask.newBuilder()
                .setEventId(eventId)
                .setModelId("mnist-ddpm")
                .setModelVersion("1.1.0")
                .setCandidates(candidates)
                .setTopLabel(labels[0])
                .setConfidence(0.5)
                .setMargin(0.25)
                .setEntropy(1.2)
                .setPriority(priority)
                .setReasons(List.of(ReviewReason.LOW_CONFIDENCE, ReviewReason.LOW_MARGIN))
                .setDecisionReason("confidence 0.50 < 0.80")
                .setPolicyVersion("policy-7")
                .setImage(image == null ? null : ByteBuffer.wrap(image))
                .setContentType(image == null ? null : "image/png")
                .setSource(Lineage.newBuilder().setTopic("images.requested").setPartition(2).setOffset(41)
                        .setTimestamp(CREATED.minusSeconds(1)).build())
                .setMetadata(Map.of())
                .setCreatedAt(CREATED)
                .build();
    }
}
