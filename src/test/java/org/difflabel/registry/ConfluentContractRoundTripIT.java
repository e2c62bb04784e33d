package org.difflabel.registry;

import org.difflabel.testsupport.ConfluentContainers;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.ConfluentKafkaContainer;

/**
 * The contract round trips against Confluent Schema Registry itself (which keeps its schemas in
 * a Kafka topic), on machines with Docker; skipped where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
class ConfluentContractRoundTripIT extends ContractRoundTrips {
    private static final Network NETWORK = Network.newNetwork();

    @Container
    private static final ConfluentKafkaContainer KAFKA = ConfluentContainers.kafka(NETWORK);

    @Container
    private static final GenericContainer<?> REGISTRY = ConfluentContainers.schemaRegistry(KAFKA, NETWORK);

    @Override
    String registryUrl() {
        return ConfluentContainers.registryUrl(REGISTRY);
    }
}
