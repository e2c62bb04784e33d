package org.difflabel.review;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.TopicAdmin;
import org.difflabel.testsupport.AppProcess;
import org.difflabel.testsupport.RegistryServer;
import org.difflabel.testsupport.S3Server;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The review UI (the packaged app in the review role) shows an image given by reference the way it
 * shows an inline one: its server fetches it from the store under the same allowlist as the worker
 * and answers the signed-in reviewer with the bytes; the page and the API never hand the reference
 * itself to the browser, and a reference the rules refuse is answered 404 with its code.
 */
class ReviewImageByReferenceIT {
    private static final LabelingTopics TOPICS = LabelingTopics.DEFAULTS;

    @Test
    void theServerFetchesTheImageOfATaskByReference() throws Exception {
        byte[] png = ReviewFixture.samplePng();
        Path dir = Files.createTempDirectory("review-by-reference-it");
        try (S3Server s3 = S3Server.start("images", "other");
             EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            s3.put("images", "review/0.png", png);
            s3.put("other", "review/1.png", png);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                TopicAdmin.inputPartitions(admin, TOPICS, TOPICS.all(), new TopicAdmin.Layout(1, (short) 1, null), true);
            }
            RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
            AvroWireSerializer<ReviewTask> tasks = AvroWireSerializer.forValues(registry, ReviewTask.class);
            Map<String, String> refs = new LinkedHashMap<>();
            refs.put(ReviewFixture.id(0), "s3://images/review/0.png");
            refs.put(ReviewFixture.id(1), "s3://other/review/1.png");     // bucket not on the allowlist
            refs.put(ReviewFixture.id(2), "s3://images/review/none.png"); // no such key
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                    kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                int i = 0;
                for (var r : refs.entrySet()) {
                    ReviewTask t = ReviewTask.newBuilder(ReviewFixture.task(i++, Instant.now().minusSeconds(60), png))
                            .setImage(null).setContentType(null).setImageUri(r.getValue()).build();
                    p.send(new ProducerRecord<>(TOPICS.review(), r.getKey().getBytes(), tasks.serialize(TOPICS.review(), t)));
                }
            }
            Path users = dir.resolve("users");
            Files.write(users, List.of(ReviewerAccounts.line(ReviewerAccounts.create("alice", Set.of("reviewer"),
                    "alice-pw-1234".toCharArray()))));
            Map<String, String> settings = new LinkedHashMap<>(s3.properties());
            settings.put("labeler.image.reference.allowed-buckets", "images");
            settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            settings.put("labeler.worker.registry-url", RegistryServer.shared().url());
            settings.put("labeler.worker.application-id", "review-by-reference-it");
            settings.put("labeler.worker.replication-factor", "1");
            settings.put("labeler.worker.role", "review");
            settings.put("labeler.review.enabled", "true");
            settings.put("labeler.review.users-file", users.toString());
            try (AppProcess app = AppProcess.start("review-by-reference", settings, "review: queue")) {
                ReviewSession alice = ReviewSession.signIn(app.url(""), "alice", "alice-pw-1234");
                String next = "";
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (System.nanoTime() < deadline && !next.contains("\"eventId\"")) {
                    Thread.sleep(500);
                    next = alice.get("/review/api/next").body();
                }
                assertThat(next).as("the queue has the tasks").contains("\"eventId\"");
                assertThat(next).as("the browser is given the server's image URL, never the reference")
                        .contains("/review/api/tasks/").doesNotContain("s3://");

                HttpResponse<byte[]> image = alice.getBytes("/review/api/tasks/" + ReviewFixture.id(0) + "/image");
                assertThat(image.statusCode()).isEqualTo(200);
                assertThat(image.body()).isEqualTo(png);
                assertThat(image.headers().firstValue("content-type").orElse("")).startsWith("image/png");
                assertThat(image.headers().firstValue("cache-control").orElse("")).contains("no-store");

                HttpResponse<String> refused = alice.get("/review/api/tasks/" + ReviewFixture.id(1) + "/image");
                assertThat(refused.statusCode()).isEqualTo(404);
                assertThat(refused.body()).contains("IMAGE_REF_NOT_ALLOWED").doesNotContain("s3://");
                HttpResponse<String> missing = alice.get("/review/api/tasks/" + ReviewFixture.id(2) + "/image");
                assertThat(missing.statusCode()).isEqualTo(404);
                assertThat(missing.body()).contains("IMAGE_REF_NOT_FOUND");

                assertThat(ReviewSession.anonymous(app.url("")).getBytes("/review/api/tasks/" + ReviewFixture.id(0)
                        + "/image").statusCode()).as("anonymous: refused").isNotEqualTo(200);
            }
        }
    }
}
