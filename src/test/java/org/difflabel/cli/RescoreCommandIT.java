package org.difflabel.cli;

import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.replay.TopicReader;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code rescore} command's refusals and its dry run, against a real broker: each bad start
 * gives one clear error, a non-zero exit and writes nothing.
 */
@QuarkusMainTest
class RescoreCommandIT {
    private // recent: records older than the broker's retention (7 days) may be deleted mid-test
    static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).minusSeconds(3600);
    private static EmbeddedKafka kafka;
    private static final LabelingTopics TOPICS = LabelingTopics.DEFAULTS;

    @BeforeAll
    static void brokerWithTenRecordsOfWhichRetentionRemovedFour() throws Exception {
        kafka = EmbeddedKafka.start(null);
        kafka.createTopics(TOPICS.all(), 1);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>(TOPICS.input(), 0, T0.plusSeconds(60L * i).toEpochMilli(),
                        ("e" + i).getBytes(), "not labelled in this test".getBytes())).get();
            }
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            // what retention does to old segments: the log now starts at offset 4
            admin.deleteRecords(Map.of(new TopicPartition(TOPICS.input(), 0), RecordsToDelete.beforeOffset(4))).all().get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    private LaunchResult rescore(QuarkusMainLauncher launcher, String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "rescore";
        all[1] = "--bootstrap-servers";
        all[2] = kafka.bootstrapServers();
        all[3] = "--registry-url";
        all[4] = RegistryServer.shared().url();
        System.arraycopy(args, 0, all, 5, args.length);
        return launcher.launch(all);
    }

    @Test
    void dryRunPrintsTheWindowAndWarnsThatRetentionRemovedTheStartOfIt(QuarkusMainLauncher launcher) {
        LaunchResult r = rescore(launcher, "--from", T0.toString(), "--to", T0.plusSeconds(60 * 8).toString(), "--dry-run");
        assertThat(r.exitCode()).as(r.getOutput() + r.getErrorOutput()).isZero();
        assertThat(r.getOutput()).contains("| 0 | 4 | 7 | 4 |").contains("oldest record still retained: "
                + T0.plusSeconds(240));
        assertThat(r.getErrorOutput()).contains("WARNING").contains("removed by retention");
        assertNothingWritten();
    }

    @Test
    void aMalformedFromIsOneClearError(QuarkusMainLauncher launcher) {
        LaunchResult r = rescore(launcher, "--from", "yesterday");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.getErrorOutput()).contains("--from: 'yesterday' is not an ISO-8601 instant");
        assertNothingWritten();
    }

    @Test
    void anUnknownTopicIsOneClearError(QuarkusMainLauncher launcher) {
        LaunchResult r = rescore(launcher, "--input", "no.such.topic");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.getErrorOutput()).contains("topic 'no.such.topic' does not exist");
        assertNothingWritten();
    }

    @Test
    void aModelThatFailsToLoadIsOneClearError(QuarkusMainLauncher launcher) throws Exception {
        Path broken = Files.createTempDirectory("broken-model");
        Files.writeString(broken.resolve("model.json"), "{ not json");
        LaunchResult r = rescore(launcher, "--model", broken.toString());
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.getErrorOutput()).contains("cannot load model").contains("model.json");
        assertNothingWritten();
    }

    private static void assertNothingWritten() {
        Map<String, Object> c = Map.of("bootstrap.servers", kafka.bootstrapServers());
        assertThat(TopicReader.readAll(c, TOPICS.rescored(), r -> { })).isZero();
        assertThat(TopicReader.readAll(c, TOPICS.diff(), r -> { })).isZero();
        try (Admin admin = Admin.create(c)) {
            assertThat(admin.listGroups().all().get()).as("no consumer group created").isEmpty();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
