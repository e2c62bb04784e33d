package org.difflabel.review;

import org.difflabel.contracts.RejectionReason;

/**
 * What a reviewer decided about one task, before it becomes a {@code ReviewedLabel}: a label (a
 * candidate, or one typed because none fitted) or a rejection. Whether a chosen label confirms or
 * corrects the model is decided against the task ({@link ReviewRecords#reviewed}), never taken
 * from the client.
 *
 * @param eventId     the task's event id
 * @param label       the chosen or typed label; null for a rejection
 * @param rejection   NONE_OF_THESE or UNUSABLE_IMAGE; null when a label was given
 * @param timeSpentMs how long the reviewer had the task open, or null when unknown (imports)
 */
public record Decision(String eventId, String label, RejectionReason rejection, Long timeSpentMs) {
    /** Longest label a reviewer may type (longer is a mistake, not a label). */
    public static final int MAX_LABEL_LENGTH = 200;

    public Decision {
        if (eventId == null || eventId.isBlank()) {
            throw new InvalidDecisionException("a decision needs the task's event id");
        }
        if ((label == null) == (rejection == null)) {
            throw new InvalidDecisionException("event " + eventId + ": give either a label or a rejection, not "
                    + (label == null ? "neither" : "both"));
        }
        if (label != null) {
            label = label.strip();
            if (label.isEmpty() || label.length() > MAX_LABEL_LENGTH || label.chars().anyMatch(Character::isISOControl)) {
                throw new InvalidDecisionException("event " + eventId + ": a label is 1 to " + MAX_LABEL_LENGTH
                        + " printable characters");
            }
        }
        if (timeSpentMs != null && timeSpentMs < 0) {
            throw new InvalidDecisionException("event " + eventId + ": time spent cannot be negative");
        }
    }

    public static Decision label(String eventId, String label, Long timeSpentMs) {
        return new Decision(eventId, label, null, timeSpentMs);
    }

    public static Decision reject(String eventId, RejectionReason reason, Long timeSpentMs) {
        return new Decision(eventId, null, reason, timeSpentMs);
    }
}
