package org.difflabel.review;

/** A decision on an event that is not in the review queue (never sent to review, or not read yet). */
public class UnknownTaskException extends InvalidDecisionException {
    private final String eventId;

    public UnknownTaskException(String eventId) {
        super("event " + eventId + " is not in the review queue");
        this.eventId = eventId;
    }

    public String eventId() {
        return eventId;
    }
}
