package org.difflabel.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-process broker started again on the folder of an earlier one: its topics, records and
 * committed consumer offsets are back (a fresh format on every start lost them all).
 */
class EmbeddedKafkaRestartIT {
    private static final TopicPartition P0 = new TopicPartition("kept", 0);

    @TempDir
    Path dir;

    @Test
    void aBrokerStartedAgainOnItsFolderKeepsTopicsRecordsAndOffsets() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            kafka.createTopics(List.of("kept"), 1);
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>("kept", "k" + i, "v" + i)).get();
                }
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.alterConsumerGroupOffsets("reader", Map.of(P0, new OffsetAndMetadata(3))).all().get();
            }
        }

        try (EmbeddedKafka again = EmbeddedKafka.start(dir)) {
            assertThat(values(again.bootstrapServers())).containsExactly("v0", "v1", "v2", "v3", "v4");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", again.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).contains("kept");
                assertThat(admin.listConsumerGroupOffsets("reader").partitionsToOffsetAndMetadata().get().get(P0).offset())
                        .as("the group's committed offset").isEqualTo(3);
            }
        }
    }

    private static List<String> values(String bootstrap) {
        List<String> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(P0));
            consumer.seekToBeginning(List.of(P0));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < 5 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }
}
