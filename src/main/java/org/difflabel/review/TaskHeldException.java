package org.difflabel.review;

/** A decision on a task another reviewer holds (their lease has not expired). */
public class TaskHeldException extends RuntimeException {
    public TaskHeldException(String eventId) {
        super("event " + eventId + " is being reviewed by someone else");
    }
}
