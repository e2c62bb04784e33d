package org.difflabel.classifier;

import java.util.ArrayList;
import java.util.List;

/**
 * One step of the adaptive schedule: evaluate the labels still in play until each has
 * {@code samples} samples, then keep the {@code keep} labels with the lowest mean error
 * (the paper's {@code n_samples} / {@code to_keep}). The last stage's {@code keep} is ignored:
 * every label in play then gets its probability.
 */
public record Stage(int samples, int keep) {
    public Stage {
        if (samples < 1) {
            throw new IllegalArgumentException("stage samples must be >= 1, got " + samples);
        }
        if (keep < 1) {
            throw new IllegalArgumentException("stage keep must be >= 1, got " + keep);
        }
    }

    /** Parses {@code "16:3,64:1"} (samples:keep, ...). */
    public static List<Stage> parse(String spec) {
        List<Stage> stages = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] sk = part.trim().split(":");
            try {
                stages.add(sk.length == 1 ? new Stage(Integer.parseInt(sk[0].trim()), 1)
                        : new Stage(Integer.parseInt(sk[0].trim()), Integer.parseInt(sk[1].trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad stage '" + part + "': expected samples:keep, e.g. 16:3,64:1");
            }
        }
        validate(stages);
        return List.copyOf(stages);
    }

    public static void validate(List<Stage> stages) {
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("at least one stage is needed");
        }
        for (int i = 1; i < stages.size(); i++) {
            if (stages.get(i).samples() <= stages.get(i - 1).samples()) {
                throw new IllegalArgumentException("stage sample counts must increase: " + stages);
            }
        }
    }

    /**
     * Default schedule for a vocabulary of {@code n} labels with a final budget of {@code k}
     * samples: flat for up to 3 labels; otherwise a screening stage at k/4 samples keeps
     * max(3, ceil(n/4)) labels (for 100 labels: 25 at 16 samples, then the close calls get 64).
     * The paper's sets use 25:5,250:1; this keeps the same shape at CPU budgets.
     */
    public static List<Stage> defaults(int n, int k) {
        if (n <= 3 || k < 4) {
            return List.of(new Stage(k, 1));
        }
        int keep = Math.max(3, (n + 3) / 4);
        if (keep >= n) {
            return List.of(new Stage(k, 1));
        }
        return List.of(new Stage(Math.max(1, k / 4), keep), new Stage(k, 1));
    }

    @Override
    public String toString() {
        return samples + ":" + keep;
    }
}
