package org.difflabel.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.replay.TopicReader;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.AppProcess;
import org.difflabel.testsupport.SampleEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded demo as a person uses it, on a data folder of its own: it labels the demo feed, is
 * stopped (SIGTERM, as Ctrl-C or an orchestrator does) without a stack trace, and started again on
 * the same folder: the earlier results are still there and still decode (the registry kept the
 * schema ids the records carry), the worker carries on from its committed offsets instead of
 * scoring the demo again, and a second instance on the same folder stops at once with a message
 * that says why.
 */
class EmbeddedDemoRestartIT {
    private static final Pattern BROKER = Pattern.compile("embedded Kafka broker ready at (\\S+) in");
    private static final Pattern REGISTRY = Pattern.compile("embedded schema registry ready at (\\S+) in");
    private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [\\w.$]+\\(.*\\)$");
    private static final LabelingTopics TOPICS = LabelingTopics.DEFAULTS;

    @TempDir
    Path data;

    @Test
    void aRestartedDemoKeepsItsResultsAndOffsetsAndAFolderServesOneInstance() throws Exception {
        Map<String, String> settings = Map.of("labeler.embedded.data-dir", data.toString(),
                "labeler.worker.commit-interval-ms", "200");
        try (AppProcess app = AppProcess.start("embedded-restart", settings, "demo: published")) {
            // first run: the demo feed is labelled to its last record
            Cluster first = Cluster.of(app.output());
            long published = first.recordsOn(TOPICS.input());
            await(() -> first.scored().size() + first.deadLetters() == published, Duration.ofMinutes(5));
            List<String> before = first.scored();

            // stopped as Ctrl-C stops it: no stack trace, no error
            long stopAt = app.outputSize();
            app.stop();
            String stopping = app.outputSince(stopAt);
            assertThat(STACK_FRAME.matcher(stopping).find()).as("a stack trace while stopping:%n%s", stopping).isFalse();
            assertThat(stopping).doesNotContain(" ERROR ").doesNotContain("Exception");

            // started again on the same folder: nothing published again, the results are back and decode
            long restartAt = app.outputSize();
            app.start("not publishing the samples again");
            Cluster again = Cluster.of(app.outputSince(restartAt));
            assertThat(again.recordsOn(TOPICS.input())).as("the input topic kept its records").isEqualTo(published);
            assertThat(again.scored()).as("the results of the first run, decoded with the restarted registry")
                    .containsExactlyInAnyOrderElementsOf(before);

            // offsets kept: one new event per partition is scored, and nothing of the first run is scored again
            int partitions = again.partitions(TOPICS.input());
            SampleEvents.produce(again.bootstrap, again.registry, TOPICS.input(), partitions, partitions);
            await(() -> again.scored().size() >= before.size() + partitions, Duration.ofMinutes(3));
            Map<String, Integer> times = new HashMap<>();
            again.scored().forEach(id -> times.merge(id, 1, Integer::sum));
            assertThat(times.values()).as("each event scored once, across both runs").containsOnly(1);
            assertThat(times).hasSize(before.size() + partitions);

            // a second instance on the same folder: refused with a message, the first one unharmed
            try (AppProcess second = AppProcess.launch("embedded-restart-second", settings)) {
                assertThat(second.awaitExit(Duration.ofMinutes(2))).as("exit status").isEqualTo(1);
                assertThat(second.output()).contains("the embedded data folder " + data.toAbsolutePath()
                        + " is in use by another running instance").doesNotContain("\tat ");
            }
            assertThat(again.recordsOn(TOPICS.input())).as("the first instance still answers").isEqualTo(published + partitions);
        }
    }

    /** The running demo's broker and registry, as its output announced them. */
    private record Cluster(String bootstrap, RegistryClient registry) {
        static Cluster of(String output) {
            // a client of its own: nothing cached from before the restart
            return new Cluster(find(BROKER, output), new RegistryClient(RegistrySettings.of(find(REGISTRY, output))));
        }

        List<String> scored() {
            var posteriors = new AvroWireDeserializer<>(registry, LabelPosterior.class);
            List<String> ids = new ArrayList<>();
            TopicReader.readAll(Map.of("bootstrap.servers", bootstrap), TOPICS.scored(),
                    r -> ids.add(posteriors.deserialize(r.topic(), r.value()).getEventId()));
            return ids;
        }

        long deadLetters() {
            return TopicReader.readAll(Map.of("bootstrap.servers", bootstrap), TOPICS.dlq(), r -> { });
        }

        long recordsOn(String topic) throws Exception {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                var partitions = new HashMap<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>();
                for (int p = 0; p < partitions(admin, topic); p++) {
                    partitions.put(new org.apache.kafka.common.TopicPartition(topic, p),
                            org.apache.kafka.clients.admin.OffsetSpec.latest());
                }
                return admin.listOffsets(partitions).all().get().values().stream().mapToLong(o -> o.offset()).sum();
            }
        }

        int partitions(String topic) throws Exception {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                return partitions(admin, topic);
            }
        }

        private static int partitions(Admin admin, String topic) throws Exception {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        }

        private static String find(Pattern p, String output) {
            Matcher m = p.matcher(output);
            assertThat(m.find()).as("%s in the output", p).isTrue();
            return m.group(1);
        }
    }

    private static void await(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done after " + timeout);
            }
            Thread.sleep(500);
        }
    }
}
