package org.difflabel.registry;

/** Which registry subject holds the schemas of a topic's keys or values. */
@FunctionalInterface
public interface SubjectNamingStrategy {

    /** Confluent's default: {@code <topic>-key} and {@code <topic>-value}. */
    SubjectNamingStrategy TOPIC_NAME = (topic, isKey) -> topic + (isKey ? "-key" : "-value");

    String subject(String topic, boolean isKey);
}
