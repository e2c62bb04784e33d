package org.difflabel.registry;

/** The registry's schema compatibility rules, as the Confluent API names them. */
public enum CompatibilityLevel {
    NONE,
    /** New schemas can read data written with the previous one (the registry default; ours). */
    BACKWARD,
    BACKWARD_TRANSITIVE,
    FORWARD,
    FORWARD_TRANSITIVE,
    FULL,
    FULL_TRANSITIVE
}
