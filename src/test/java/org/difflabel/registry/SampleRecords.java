package org.difflabel.registry;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.PipelineStage;
import org.difflabel.contracts.ReviewReason;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.RoutingDecision;

/** One realistic record of each contract, with every optional field set, and topic names no other test uses. */
final class SampleRecords {
    static final Instant PRODUCED_AT = Instant.ofEpochMilli(1_767_225_600_123L);
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private SampleRecords() {
    }

    /** {@code base} plus a random suffix, so tests sharing one registry never share a subject. */
    static String uniqueTopic(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static ImageEvent imageEvent() {
        return ImageEvent.newBuilder()
                .setEventId("evt-0001")
                .setImage(ByteBuffer.wrap(PNG_SIGNATURE))
                .setContentType("image/png")
                .setLabels(List.of("cat", "dog", "fox"))
                .setPromptTemplate("a photo of a {label}")
                .setLabelPriors(Map.of("cat", 0.5, "dog", 0.3, "fox", 0.2))
                .setMetadata(Map.of("tenant", "acme", "camera", "7"))
                .setProducedAt(PRODUCED_AT)
                .build();
    }

    static Lineage lineage() {
        return new Lineage("images.requested", 3, 42_000_000_000L, PRODUCED_AT);
    }

    static List<LabelProbability> posterior() {
        return List.of(new LabelProbability("cat", 0.52, 0.0871, 64),
                new LabelProbability("dog", 0.47, 0.0874, 64),
                new LabelProbability("fox", 0.01, 0.1302, 8));
    }

    static LabelPosterior labelPosterior() {
        return LabelPosterior.newBuilder()
                .setEventId("evt-0001")
                .setModelId("mnist-ddpm")
                .setModelVersion("2026.11.1")
                .setPosterior(posterior())
                .setTopLabel("cat")
                .setConfidence(0.52)
                .setMargin(0.05)
                .setEntropy(0.7412)
                .setEvaluations(136)
                .setLatencyMs(812)
                .setTemperature(0.0025)
                .setSeed("9e3779b97f4a7c15")
                .setDecision(RoutingDecision.REVIEW)
                .setDecisionReason("margin 0.05 < 0.10")
                .setPolicyVersion("policy-3")
                .setMetadata(Map.of("tenant", "acme"))
                .setLineage(lineage())
                .build();
    }

    static ReviewTask reviewTask() {
        return ReviewTask.newBuilder()
                .setEventId("evt-0001")
                .setModelId("mnist-ddpm")
                .setModelVersion("2026.11.1")
                .setCandidates(posterior())
                .setTopLabel("cat")
                .setConfidence(0.52)
                .setMargin(0.05)
                .setEntropy(0.7412)
                .setPriority(90)
                .setReasons(List.of(ReviewReason.LOW_MARGIN, ReviewReason.HIGH_ENTROPY))
                .setDecisionReason("margin 0.05 < 0.10")
                .setPolicyVersion("policy-3")
                .setImage(ByteBuffer.wrap(PNG_SIGNATURE))
                .setContentType("image/png")
                .setSource(lineage())
                .setMetadata(Map.of("tenant", "acme"))
                .setCreatedAt(PRODUCED_AT.plusMillis(900))
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setKey(ByteBuffer.wrap(new byte[] {'k', '1'}))
                .setValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setSource(lineage())
                .setEventId("evt-0001")
                .setStage(PipelineStage.DESERIALIZE)
                .setErrorCode(ErrorCode.WRONG_MAGIC_BYTE)
                .setMessage("first byte is 0x01, not the wire-format magic byte 0x00")
                .setFailedAt(PRODUCED_AT.plusMillis(5))
                .build();
    }
}
