package org.difflabel.testsupport;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.ConfluentKafkaContainer;

/** Confluent's Kafka and Schema Registry containers, for the tests that run where Docker is. */
public final class ConfluentContainers {
    public static final String VERSION = "7.9.0";

    private ConfluentContainers() {
    }

    public static ConfluentKafkaContainer kafka(Network network) {
        return new ConfluentKafkaContainer("confluentinc/cp-kafka:" + VERSION)
                .withNetwork(network)
                .withListener("kafka:19092");
    }

    /** A registry that keeps its schemas in {@code kafka} (reached inside the network as kafka:19092). */
    public static GenericContainer<?> schemaRegistry(ConfluentKafkaContainer kafka, Network network) {
        return new GenericContainer<>("confluentinc/cp-schema-registry:" + VERSION)
                .dependsOn(kafka)
                .withNetwork(network)
                .withExposedPorts(8081)
                .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
                .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
                .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
                .waitingFor(Wait.forHttp("/subjects").forStatusCode(200));
    }

    public static String registryUrl(GenericContainer<?> registry) {
        return "http://" + registry.getHost() + ":" + registry.getMappedPort(8081);
    }
}
