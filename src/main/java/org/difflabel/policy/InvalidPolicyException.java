package org.difflabel.policy;

/** A policy version that must not be put in force (a threshold outside [0, 1], a negative temperature, ...). */
public class InvalidPolicyException extends IllegalArgumentException {
    public InvalidPolicyException(String message) {
        super(message);
    }
}
