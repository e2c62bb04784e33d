package org.difflabel.registry;

/**
 * A named type a schema uses but does not define, registered as its own subject.
 *
 * @param name    the full name of the type as the referring schema writes it
 * @param subject the subject holding the type's schema
 * @param version the version of that subject
 */
public record SchemaReference(String name, String subject, int version) {
}
