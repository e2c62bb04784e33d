package org.difflabel.replay;

import org.difflabel.contracts.LabelComparison;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.contracts.RoutingDecision;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The comparison of two results and the report over many: the figures a user decides a rollout on. */
class ComparisonReportTest {
    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    static LabelPosterior result(String id, String version, String top, double confidence) {
        return LabelPosterior.newBuilder().setEventId(id).setModelId("mnist-ddpm").setModelVersion(version)
                .setPosterior(List.of(new LabelProbability(top, confidence, 0.1, 8))).setTopLabel(top)
                .setConfidence(confidence).setMargin(confidence / 2).setEntropy(0.1)
                .setEvaluations(version.equals("1.0.0") ? 304 : 100).setLatencyMs(version.equals("1.0.0") ? 150 : 60)
                .setTemperature(0.001).setSeed("0").setDecision(RoutingDecision.ACCEPTED).setDecisionReason("passes")
                .setPolicyVersion("1").setMetadata(Map.of()).setLineage(new Lineage("images.requested", 0, 0L, NOW))
                .build();
    }

    static ReviewedLabel human(String id, String label) {
        return ReviewedLabel.newBuilder().setEventId(id).setOutcome(ReviewOutcome.CORRECTED).setFinalLabel(label)
                .setModelId("mnist-ddpm").setModelVersion("1.0.0").setModelTopLabel("?").setModelConfidence(0.5)
                .setReviewerId("dataset").setReviewedAt(NOW).setSource(ReviewSource.DATASET).build();
    }

    /** Champion label, challenger label, human label (null: none) per event. */
    static List<LabelComparison> comparisons(String[][] rows) {
        List<LabelComparison> out = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            String id = "e" + i;
            out.add(Comparisons.compare(result(id, "1.1.0", rows[i][1], 0.9),
                    rows[i][0] == null ? null : result(id, "1.0.0", rows[i][0], 0.6),
                    rows[i][2] == null ? null : human(id, rows[i][2]), NOW));
        }
        return out;
    }

    @Test
    void countsAgreementFlipsAndWhoWasRight() {
        ComparisonReport r = ComparisonReport.of(comparisons(new String[][]{
                {"1", "1", "1"}, // agree, both right
                {"7", "1", "1"}, // flip, fixed
                {"1", "7", "1"}, // flip, broken
                {"3", "5", "8"}, // flip, both wrong
                {"4", "4", null}, // agree, no human label
                {null, "2", null}})); // no champion result
        assertThat(r.sections()).hasSize(1);
        ComparisonReport.Section s = r.sections().get(0);
        assertThat(s.compared()).hasSize(5);
        assertThat(s.noChampion()).isEqualTo(1);
        assertThat(s.agree()).isEqualTo(2);
        assertThat(s.flips()).isEqualTo(3);
        assertThat(s.agreement()).isEqualTo(0.4);
        assertThat(s.withHuman()).hasSize(4);
        assertThat(s.fixed()).isEqualTo(1);
        assertThat(s.broken()).isEqualTo(1);
        assertThat(s.bothWrong()).isEqualTo(1);
        assertThat(s.championRight()).isEqualTo(2);
        assertThat(s.challengerRight()).isEqualTo(2);
        assertThat(s.matrix().get("7")).containsEntry("1", 1);
        assertThat(s.matrix().get("1")).containsEntry("1", 1).containsEntry("7", 1);
        // every confidence went from 0.6 to 0.9: all in the [+0.20, +0.50) bin
        assertThat(s.confidenceChanges()[7]).isEqualTo(5);
        String md = r.markdown();
        assertThat(md).contains("agreement: 40.00% (2 agree, 3 flips)")
                .contains("fixed 1, broken 1, both wrong 1")
                .contains("| mnist-ddpm 1.0.0 (champion) | 304.0, 304, 304 | 150.0, 150, 150 |");
    }

    @Test
    void theNewestComparisonOfAnEventCounts() {
        LabelPosterior mine = result("late", "1.1.0", "3", 0.9);
        LabelComparison early = Comparisons.compare(mine, null, null, NOW);
        LabelComparison later = Comparisons.compare(mine, result("late", "1.0.0", "5", 0.8), null, NOW.plusSeconds(5));
        ComparisonReport r = ComparisonReport.of(List.of(later, early));
        assertThat(r.sections()).hasSize(1);
        assertThat(r.sections().get(0).compared()).hasSize(1);
        assertThat(r.sections().get(0).noChampion()).isZero();
        assertThat(r.sections().get(0).flips()).isEqualTo(1);
    }

    @Test
    void aRejectedReviewIsNoHumanLabel() {
        ReviewedLabel rejected = ReviewedLabel.newBuilder(human("x", "1")).setOutcome(ReviewOutcome.REJECTED)
                .setFinalLabel(null).build();
        LabelComparison c = Comparisons.compare(result("x", "1.1.0", "1", 0.9), result("x", "1.0.0", "1", 0.9), rejected, NOW);
        assertThat(c.getHumanLabel()).isNull();
        assertThat(c.getHumanOutcome()).isEqualTo(ReviewOutcome.REJECTED);
        assertThat(c.getChampionCorrect()).isNull();
    }
}
