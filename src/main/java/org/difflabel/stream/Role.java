package org.difflabel.stream;

/**
 * What a labelling run writes. The champion is the model in production: its results go to
 * {@code labels.scored} and, by the triage policy, to {@code labels.accepted} or
 * {@code labels.review}. A challenger (a live shadow, or a bounded {@code rescore}) writes only
 * {@code labels.rescored} and the comparison with the champion on {@code labels.diff}: nothing
 * downstream systems or reviewers see changes until the model is promoted. A review instance labels
 * nothing: it serves the review UI ({@code /review}) and its queue only.
 */
public enum Role {
    CHAMPION, CHALLENGER, REVIEW;

    /** Parses the configuration value ({@code champion} / {@code challenger}, any case). */
    public static Role parse(String s) {
        for (Role r : values()) {
            if (r.name().equalsIgnoreCase(s.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("role must be champion, challenger or review, not '" + s + "'");
    }
}
