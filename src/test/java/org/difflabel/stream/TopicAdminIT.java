package org.difflabel.stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.model.LabelModel;
import org.difflabel.testsupport.TestConfig;
import org.difflabel.worker.LabelingAssembly;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Topic administration against a real broker, treated as an external cluster: topics are created
 * with the configured layout (replication factor 3 by default, which a one-broker cluster refuses
 * with a clear error), compacted where the newest record per event counts, and existing topics
 * that do not fit the run stop it at start with a message that says what to change.
 */
class TopicAdminIT {
    private static EmbeddedKafka kafka;
    private static LabelModel model;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(null);
        model = LabelModel.load(Path.of("onnx-models/mnist-ddpm"), TestConfig.labeler(Map.of()).modelOptions(1));
    }

    @AfterAll
    static void stop() throws Exception {
        model.close();
        kafka.close();
    }

    private static LabelingAssembly run(Map<String, String> settings, LabelingTopics topics) {
        return LabelingAssembly.of(TestConfig.labeler(settings), model, kafka.bootstrapServers(), null).withTopics(topics);
    }

    private static LabelingTopics fresh() {
        return LabelingTopics.DEFAULTS.prefixed(UUID.randomUUID().toString().substring(0, 8) + ".");
    }

    @Test
    void createsMissingTopicsWithTheConfiguredLayoutAndCompaction() throws Exception {
        LabelingTopics topics = fresh();
        run(Map.of("labeler.worker.replication-factor", "1", "labeler.worker.min-insync-replicas", "1",
                "labeler.worker.partitions", "3", "labeler.worker.role", "challenger"), topics).prepareTopics(true, false);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            var described = admin.describeTopics(List.of(topics.input(), topics.diff(), topics.reviewed(),
                    topics.rescored())).allTopicNames().get();
            assertThat(described.get(topics.input()).partitions()).hasSize(3);
            var diff = new ConfigResource(ConfigResource.Type.TOPIC, topics.diff());
            var rescored = new ConfigResource(ConfigResource.Type.TOPIC, topics.rescored());
            var configs = admin.describeConfigs(List.of(diff, rescored)).all().get();
            assertThat(configs.get(diff).get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(configs.get(rescored).get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(configs.get(rescored).get("min.insync.replicas").value()).isEqualTo("1");
            assertThat(admin.listTopics().names().get()).as("a challenger creates only its own topics")
                    .doesNotContain(topics.accepted(), topics.review());
        }
    }

    @Test
    void anExternalClusterGetsThreeReplicasByDefault() {
        LabelingTopics topics = fresh();
        assertThatThrownBy(() -> run(Map.of(), topics).prepareTopics(true, false))
                .isInstanceOf(TopicAdmin.TopicMismatchException.class)
                .hasMessageContaining("replication factor 3");
    }

    @Test
    void missingTopicsWithoutCreateTopicsAreOneClearError() {
        LabelingTopics topics = fresh();
        assertThatThrownBy(() -> run(Map.of(), topics).prepareTopics(false, false))
                .isInstanceOf(TopicAdmin.TopicMismatchException.class)
                .hasMessageContaining("do not exist").hasMessageContaining(topics.input())
                .hasMessageContaining("labeler.worker.create-topics=true");
    }

    @Test
    void tooFewInputPartitionsForExplicitThreadsAndAnUncompactedDiffAreRefused() throws Exception {
        LabelingTopics topics = fresh();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            // the champion's policy topic compacted as it must be; the challenger's diff not
            admin.createTopics(topics.all().stream().map(t -> new NewTopic(t, 1, (short) 1).configs(
                    t.equals(topics.policy()) ? Map.of("cleanup.policy", "compact") : Map.of())).toList()).all().get();
        }
        assertThatThrownBy(() -> run(Map.of("labeler.worker.stream-threads", "2"), topics).prepareTopics(false, false))
                .isInstanceOf(TopicAdmin.TopicMismatchException.class)
                .hasMessageContaining(topics.input() + " has 1 partitions but the worker runs 2 stream threads");
        // threads chosen automatically are capped at the partitions instead
        assertThat(run(Map.of("labeler.model.intra-op-threads", "1"), topics).prepareTopics(false, false).streamThreads())
                .isEqualTo(1);
        assertThatThrownBy(() -> run(Map.of("labeler.worker.role", "challenger"), topics).prepareTopics(false, false))
                .isInstanceOf(TopicAdmin.TopicMismatchException.class)
                .hasMessageContaining(topics.diff() + " must be compacted");
    }
}
