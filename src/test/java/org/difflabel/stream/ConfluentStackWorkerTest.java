package org.difflabel.stream;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.ConfluentKafkaContainer;

/**
 * The end-to-end round trip of {@link LabelingOnRealBrokerTest} against Confluent's own Kafka and
 * Schema Registry containers, on machines with Docker; skipped where there is none (as here).
 */
@Testcontainers(disabledWithoutDocker = true)
class ConfluentStackWorkerTest {
    private static final String CONFLUENT_VERSION = "7.9.0";
    private static final Network NETWORK = Network.newNetwork();

    @Container
    private static final ConfluentKafkaContainer KAFKA =
            new ConfluentKafkaContainer("confluentinc/cp-kafka:" + CONFLUENT_VERSION)
                    .withNetwork(NETWORK)
                    .withListener("kafka:19092");

    @Container
    private static final GenericContainer<?> REGISTRY =
            new GenericContainer<>("confluentinc/cp-schema-registry:" + CONFLUENT_VERSION)
                    .dependsOn(KAFKA)
                    .withNetwork(NETWORK)
                    .withExposedPorts(8081)
                    .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
                    .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
                    .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
                    .waitingFor(Wait.forHttp("/subjects").forStatusCode(200));

    @Test
    void everyEventIsScoredOnceAndPoisonGoesToTheDeadLetterQueue() throws Exception {
        LabelingOnRealBrokerTest.roundTrip(KAFKA.getBootstrapServers(),
                "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081));
    }
}
