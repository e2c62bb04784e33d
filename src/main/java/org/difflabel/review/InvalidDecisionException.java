package org.difflabel.review;

/** A decision that cannot be recorded as given (no label and no rejection, an empty label, ...): the client's mistake. */
public class InvalidDecisionException extends IllegalArgumentException {
    public InvalidDecisionException(String message) {
        super(message);
    }
}
