package org.difflabel.replay;

import org.difflabel.contracts.ComparisonKind;
import org.difflabel.contracts.LabelComparison;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ModelResult;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewedLabel;

import java.time.Instant;

/** Builds the comparison of a challenger's result with the champion's and a human label, if any. */
public final class Comparisons {
    private Comparisons() {
    }

    /**
     * @param champion the champion's newest result for the event, or null
     * @param human    the event's reviewed label, or null
     */
    public static LabelComparison compare(LabelPosterior challenger, LabelPosterior champion, ReviewedLabel human,
                                          Instant now) {
        ComparisonKind kind = champion == null ? ComparisonKind.NO_CHAMPION_RESULT
                : champion.getTopLabel().equals(challenger.getTopLabel()) ? ComparisonKind.AGREE : ComparisonKind.FLIP;
        String humanLabel = human == null || human.getOutcome() == ReviewOutcome.REJECTED ? null : human.getFinalLabel();
        return LabelComparison.newBuilder()
                .setEventId(challenger.getEventId())
                .setKind(kind)
                .setChallenger(summary(challenger))
                .setChampion(champion == null ? null : summary(champion))
                .setHumanLabel(humanLabel)
                .setHumanOutcome(human == null ? null : human.getOutcome())
                .setChampionCorrect(humanLabel == null || champion == null ? null : humanLabel.equals(champion.getTopLabel()))
                .setChallengerCorrect(humanLabel == null ? null : humanLabel.equals(challenger.getTopLabel()))
                .setComparedAt(now)
                .setSource(challenger.getLineage())
                .build();
    }

    static ModelResult summary(LabelPosterior p) {
        return ModelResult.newBuilder()
                .setModelId(p.getModelId())
                .setModelVersion(p.getModelVersion())
                .setTopLabel(p.getTopLabel())
                .setConfidence(p.getConfidence())
                .setMargin(p.getMargin())
                .setEvaluations(p.getEvaluations())
                .setLatencyMs(p.getLatencyMs())
                .setDecision(p.getDecision())
                .setPolicyVersion(p.getPolicyVersion())
                .build();
    }
}
