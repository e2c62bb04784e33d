package org.difflabel.review;

import org.difflabel.contracts.ReviewTask;

import java.time.Duration;
import java.time.Instant;

/**
 * Which tasks a reviewer works on: a model version, the model's top label and an age range, each
 * optional (null: any).
 *
 * @param modelVersion "modelId:modelVersion" or just the version
 * @param minAge       only tasks created at least this long ago
 * @param maxAge       only tasks created at most this long ago
 */
public record QueueFilter(String modelVersion, String topLabel, Duration minAge, Duration maxAge) {
    public static final QueueFilter ALL = new QueueFilter(null, null, null, null);

    public QueueFilter {
        modelVersion = blankToNull(modelVersion);
        topLabel = blankToNull(topLabel);
        if (minAge != null && maxAge != null && minAge.compareTo(maxAge) > 0) {
            throw new IllegalArgumentException("minimum age " + minAge + " is over the maximum age " + maxAge);
        }
    }

    public boolean matches(ReviewTask t, Instant now) {
        if (modelVersion != null && !modelVersion.equals(t.getModelVersion())
                && !modelVersion.equals(t.getModelId() + ":" + t.getModelVersion())) {
            return false;
        }
        if (topLabel != null && !topLabel.equals(t.getTopLabel())) {
            return false;
        }
        Duration age = Duration.between(t.getCreatedAt(), now);
        return (minAge == null || age.compareTo(minAge) >= 0) && (maxAge == null || age.compareTo(maxAge) <= 0);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
