package org.difflabel.classifier;

import java.time.Duration;

/**
 * A limit on one request: at most {@code maxEvaluations} noise-prediction evaluations (0: none) and
 * at most {@code maxTime} (null: none). When the next block or stage would pass it, the classifier
 * returns the posterior it has, marked budget-limited (a policy sends such labels to review).
 * Every label always gets at least one sample.
 */
public record Budget(long maxEvaluations, Duration maxTime) {
    public static final Budget NONE = new Budget(0, null);

    public Budget {
        if (maxEvaluations < 0) {
            throw new IllegalArgumentException("max evaluations must be >= 0, got " + maxEvaluations);
        }
        if (maxTime != null && (maxTime.isNegative() || maxTime.isZero())) {
            throw new IllegalArgumentException("the latency budget must be positive, got " + maxTime);
        }
    }

    long remaining(long spent) {
        return maxEvaluations == 0 ? Long.MAX_VALUE : Math.max(0, maxEvaluations - spent);
    }

    long deadline(long startNanos) {
        return maxTime == null ? Long.MAX_VALUE : startNanos + maxTime.toNanos();
    }
}
