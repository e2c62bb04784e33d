package org.difflabel.classifier;

import java.util.Comparator;
import java.util.List;

/**
 * The classifier's answer for one image: every label's score (most probable first), the top
 * label, its probability (confidence), the gap to the runner-up (margin), the entropy of the
 * posterior in nats, the noise-prediction evaluations spent and the time of each stage.
 */
public record Posterior(List<LabelScore> scores, double temperature, long seed, long evaluations,
                        List<Stage> stages, long[] stageNanos) {

    public Posterior {
        scores = scores.stream()
                .sorted(Comparator.comparingDouble(LabelScore::probability).reversed()
                        .thenComparingDouble(LabelScore::meanError))
                .toList();
    }

    public LabelScore top() {
        return scores.get(0);
    }

    public double confidence() {
        return top().probability();
    }

    public double margin() {
        return scores.size() < 2 ? 1.0 : scores.get(0).probability() - scores.get(1).probability();
    }

    public double entropy() {
        double h = 0;
        for (LabelScore s : scores) {
            if (s.probability() > 0) {
                h -= s.probability() * Math.log(s.probability());
            }
        }
        return h;
    }

    public LabelScore score(String label) {
        return scores.stream().filter(s -> s.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no label " + label));
    }
}
