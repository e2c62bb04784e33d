package org.difflabel.stream;

import org.difflabel.testsupport.ConfluentContainers;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.ConfluentKafkaContainer;

/**
 * The end-to-end round trip of {@link LabelingOnRealBrokerIT} against Confluent's own Kafka and
 * Schema Registry containers, on machines with Docker; skipped where there is none (as here).
 */
@Testcontainers(disabledWithoutDocker = true)
class ConfluentStackWorkerIT {
    private static final Network NETWORK = Network.newNetwork();

    @Container
    private static final ConfluentKafkaContainer KAFKA = ConfluentContainers.kafka(NETWORK);

    @Container
    private static final GenericContainer<?> REGISTRY = ConfluentContainers.schemaRegistry(KAFKA, NETWORK);

    @Test
    void everyEventIsScoredOnceAndPoisonGoesToTheDeadLetterQueue() throws Exception {
        LabelingOnRealBrokerIT.roundTrip(KAFKA.getBootstrapServers(), ConfluentContainers.registryUrl(REGISTRY));
    }
}
