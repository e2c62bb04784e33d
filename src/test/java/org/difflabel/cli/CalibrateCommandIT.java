package org.difflabel.cli;

import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.difflabel.calibration.CalibrationReport;
import org.difflabel.calibration.CalibrationResult;
import org.difflabel.calibration.Calibrator;
import org.difflabel.calibration.HeldoutResults;
import org.difflabel.calibration.LabelResult;
import org.difflabel.calibration.ReviewEvidence;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.RejectionReason;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.contracts.TriagePolicySpec;
import org.difflabel.contracts.RoutingDecision;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.registry.RegistrySettings;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code calibrate} on a real broker and registry, with the model's committed results on the 2,000
 * held-out digits published as LabelPosteriors: the report's numbers are the library's on the same
 * records, for dataset labels (exact bound) and for a review-queue + audit design (weighted bound);
 * missing data is one clear error with exit code 2.
 */
@QuarkusMainTest
class CalibrateCommandIT {
    private static final LabelingTopics TOPICS = LabelingTopics.DEFAULTS;
    private static final String MODEL = "mnist-ddpm";
    private static final double POLICY_THRESHOLD = 0.999;
    private static final double AUDIT_RATE = 0.25;
    private static EmbeddedKafka kafka;
    private static final List<LabelPosterior> scored = new ArrayList<>();
    private static final List<ReviewedLabel> reviewed = new ArrayList<>();

    @BeforeAll
    static void publishResultsAndReviews() throws Exception {
        kafka = EmbeddedKafka.start(null);
        kafka.createTopics(TOPICS.all(), 1);
        List<HeldoutResults.Row> rows = HeldoutResults.load(HeldoutResults.CLEAN);
        for (int i = 0; i < rows.size(); i++) {
            HeldoutResults.Row row = rows.get(i);
            // version "1.0.0": every digit scored, every digit labelled by the dataset (publish --truth)
            scored.add(posterior(row, "1.0.0", row.result().labels().get(0).probability() >= POLICY_THRESHOLD
                    ? RoutingDecision.ACCEPTED : RoutingDecision.REVIEW, null));
            reviewed.add(review(row.result().eventId(), "1.0.0", row.truth(), ReviewSource.DATASET));
            // version "audited": the triage policy's design: confident results accepted, a seeded 25 % of them audited
            String id = "a-" + row.result().eventId();
            boolean confident = row.result().labels().get(0).probability() >= POLICY_THRESHOLD;
            boolean audit = confident && Math.floorMod((id + "audit").hashCode(), 100) < 100 * AUDIT_RATE;
            scored.add(posterior(renamed(row, id), "audited", confident && !audit ? RoutingDecision.ACCEPTED
                    : RoutingDecision.REVIEW, audit ? AUDIT_RATE : null));
            if (!confident && i % 50 == 7) {
                continue; // still in the review queue
            }
            if (!confident && i % 50 == 9) {
                reviewed.add(ReviewedLabel.newBuilder(review(id, "audited", null, ReviewSource.REVIEW_UI))
                        .setOutcome(ReviewOutcome.REJECTED).setRejection(RejectionReason.UNUSABLE_IMAGE).build());
            } else if (!confident || audit) {
                reviewed.add(review(id, "audited", row.truth(), ReviewSource.REVIEW_UI));
            }
        }
        // version "unreviewed": results, no reviews
        scored.add(posterior(renamed(rows.get(0), "u-0"), "unreviewed", RoutingDecision.REVIEW, null));
        RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        AvroWireSerializer<LabelPosterior> ps = AvroWireSerializer.forValues(registry, LabelPosterior.class);
        AvroWireSerializer<ReviewedLabel> rs = AvroWireSerializer.forValues(registry, ReviewedLabel.class);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (LabelPosterior x : scored) {
                p.send(new ProducerRecord<>(TOPICS.scored(), x.getEventId().getBytes(), ps.serialize(TOPICS.scored(), x)));
            }
            for (ReviewedLabel x : reviewed) {
                p.send(new ProducerRecord<>(TOPICS.reviewed(), x.getEventId().getBytes(), rs.serialize(TOPICS.reviewed(), x)));
            }
            p.flush();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    private static HeldoutResults.Row renamed(HeldoutResults.Row row, String id) {
        return new HeldoutResults.Row(new org.difflabel.calibration.ScoredResult(id, row.result().labels(),
                row.result().temperature()), row.truth(), row.stages(), row.stageMeans());
    }

    private static LabelPosterior posterior(HeldoutResults.Row row, String version, RoutingDecision decision, Double audit) {
        List<LabelProbability> labels = new ArrayList<>();
        for (LabelResult l : row.result().labels()) {
            labels.add(new LabelProbability(l.label(), l.probability(), l.meanError(), l.samples()));
        }
        double top = labels.get(0).getProbability();
        return LabelPosterior.newBuilder().setEventId(row.result().eventId()).setModelId(MODEL).setModelVersion(version)
                .setPosterior(labels).setTopLabel(labels.get(0).getLabel()).setConfidence(top)
                .setMargin(top - labels.get(1).getProbability()).setEntropy(0).setEvaluations(304).setLatencyMs(250)
                .setTemperature(row.result().temperature()).setSeed("0000000000000000").setDecision(decision)
                .setDecisionReason(audit != null ? "AUDIT_SAMPLE" : "test").setPolicyVersion("policy-1")
                .setAuditProbability(audit).setLineage(new Lineage("images.requested", 0, 0L, Instant.EPOCH)).build();
    }

    private static ReviewedLabel review(String id, String version, String label, ReviewSource source) {
        boolean dataset = source == ReviewSource.DATASET;
        return ReviewedLabel.newBuilder().setEventId(id).setOutcome(dataset ? ReviewOutcome.LABELLED : ReviewOutcome.CORRECTED)
                .setFinalLabel(label).setModelId(dataset ? null : MODEL).setModelVersion(dataset ? null : version)
                .setReviewerId(dataset ? "dataset:mnist-heldout" : "alice").setReviewedAt(Instant.now()).setSource(source)
                .build();
    }

    private LaunchResult calibrate(QuarkusMainLauncher launcher, String... args) {
        List<String> all = new ArrayList<>(List.of("calibrate", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", RegistryServer.shared().url()));
        all.addAll(List.of(args));
        return launcher.launch(all.toArray(String[]::new));
    }

    /** The command's stdout without the log lines the test profile writes there. */
    private static String report(LaunchResult r) {
        return r.getOutput().lines().filter(l -> !l.matches("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:.*"))
                .collect(java.util.stream.Collectors.joining("\n")).strip();
    }

    /** The report the library gives on the same records: what the command's output must equal. */
    private static String expected(String version, Calibrator.Options o) {
        ReviewEvidence e = ReviewEvidence.join(MODEL, version, scored, reviewed);
        CalibrationResult r = Calibrator.calibrate(e.items(), o);
        return CalibrationReport.markdown(MODEL, version, e, r, o);
    }

    @Test
    void datasetLabelsGiveTheLibrarysNumbersAndAnExactBound(QuarkusMainLauncher launcher) throws Exception {
        Path page = Path.of("target", "calibrate-it.html");
        Files.deleteIfExists(page);
        LaunchResult r = calibrate(launcher, "--model-id", MODEL, "--model-version", "1.0.0", "--html", page.toString());
        assertThat(r.exitCode()).as(r.getErrorOutput()).isZero();
        String report = report(r);
        assertThat(report).isEqualTo(expected("1.0.0", new Calibrator.Options(0.02, 0.1, 0.5, 1, 15)).strip());
        assertThat(report).contains("| results of this version on the scored topic | 2000 |")
                .contains("| of which labelled by a review or dataset | 2000 |")
                .contains("Clopper-Pearson").contains("**Certified threshold: confidence >= ")
                .contains("| 1.000 | 1.000 | 1000 |"); // held-out part: 1,000 results, weight 1
        assertThat(Files.readString(page)).contains("id=\"reliability-before\"").contains("id=\"reliability-after\"")
                .contains("id=\"chosen\"");
    }

    @Test
    void auditSamplesAreWeightedAndTheOptionsAreUsed(QuarkusMainLauncher launcher) {
        LaunchResult r = calibrate(launcher, "--model-id", MODEL, "--model-version", "audited", "--alpha", "0.05",
                "--delta", "0.2", "--holdout", "0.6", "--seed", "7");
        assertThat(r.exitCode()).as(r.getErrorOutput()).isZero();
        String report = report(r);
        assertThat(report).isEqualTo(expected("audited", new Calibrator.Options(0.05, 0.2, 0.6, 7, 15)).strip());
        assertThat(report).contains("Hoeffding-Bentkus").contains("| 0.2500 | 4.000 |")
                .containsPattern("\\| left out: rejected in review \\(no label applies\\) \\| [1-9][0-9]* \\|")
                .containsPattern("\\| left out: sent to review, not reviewed yet \\| [1-9][0-9]* \\|")
                .containsPattern("\\| of which accepted, not drawn for audit \\(unlabelled\\) \\| [1-9][0-9]* \\|");
    }

    @Test
    void publishWritesTheCertifiedThresholdAndTemperatureAsANewPolicyVersion(QuarkusMainLauncher launcher) {
        LaunchResult refused = calibrate(launcher, "--model-id", MODEL, "--model-version", "audited", "--alpha", "0.001",
                "--publish", "--policy-version", "cal-0");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.getErrorOutput()).contains("nothing certified").contains("no policy published");
        assertThat(policies()).isEmpty();

        LaunchResult r = calibrate(launcher, "--model-id", MODEL, "--model-version", "1.0.0", "--publish",
                "--policy-version", "cal-1");
        assertThat(r.exitCode()).as(r.getErrorOutput()).isZero();
        ReviewEvidence e = ReviewEvidence.join(MODEL, "1.0.0", scored, reviewed);
        CalibrationResult expected = Calibrator.calibrate(e.items(), new Calibrator.Options(0.02, 0.1, 0.5, 1, 15));
        List<TriagePolicySpec> written = policies();
        assertThat(written).hasSize(1);
        TriagePolicySpec p = written.get(0);
        assertThat(p.getVersion()).isEqualTo("cal-1");
        assertThat(p.getMinConfidence()).isEqualTo(expected.certifiedThreshold().orElseThrow());
        assertThat(p.getMinMargin()).isZero();
        assertThat(p.getMaxEntropy()).isNull();
        assertThat(p.getTemperatures()).containsEntry(MODEL + ":1.0.0", expected.temperature());
        assertThat(p.getCreatedBy()).isEqualTo("calibrate");
        assertThat(org.difflabel.policy.PolicySpecs.fromSpec(p).version()).isEqualTo("cal-1");
        assertThat(r.getOutput()).contains("published policy cal-1");

        LaunchResult same = calibrate(launcher, "--model-id", MODEL, "--model-version", "1.0.0", "--publish",
                "--policy-version", "cal-1");
        assertThat(same.exitCode()).isEqualTo(2);
        assertThat(policies()).hasSize(1);
        LaunchResult noVersion = calibrate(launcher, "--model-id", MODEL, "--model-version", "1.0.0", "--publish");
        assertThat(noVersion.exitCode()).isEqualTo(2);
        assertThat(noVersion.getErrorOutput()).contains("--publish needs --policy-version");
    }

    private static List<TriagePolicySpec> policies() {
        var d = new org.difflabel.registry.AvroWireDeserializer<>(new org.difflabel.registry.RegistryClient(
                org.difflabel.registry.RegistrySettings.of(RegistryServer.shared().url())), TriagePolicySpec.class);
        List<TriagePolicySpec> out = new ArrayList<>();
        org.difflabel.replay.TopicReader.readAll(java.util.Map.of("bootstrap.servers", kafka.bootstrapServers()),
                TOPICS.policy(), rec -> out.add(d.deserialize(TOPICS.policy(), rec.value())));
        return out;
    }

    @Test
    void tooFewReviewsCertifyNothingAndSaySo(QuarkusMainLauncher launcher) {
        LaunchResult r = calibrate(launcher, "--model-id", MODEL, "--model-version", "audited", "--alpha", "0.001");
        assertThat(r.exitCode()).as(r.getErrorOutput()).isZero();
        assertThat(r.getOutput()).contains("**Too few reviews to certify any threshold** at alpha 0.001")
                .doesNotContain("Certified threshold");
    }

    @Test
    void noResultsOrNoReviewsAreOneClearError(QuarkusMainLauncher launcher) {
        LaunchResult none = calibrate(launcher, "--model-id", MODEL, "--model-version", "9.9.9");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.getErrorOutput()).contains("no results of model mnist-ddpm version 9.9.9");
        LaunchResult unreviewed = calibrate(launcher, "--model-id", MODEL, "--model-version", "unreviewed");
        assertThat(unreviewed.exitCode()).isEqualTo(2);
        assertThat(unreviewed.getErrorOutput()).contains("no reviewed events for model mnist-ddpm version unreviewed");
        LaunchResult badAlpha = calibrate(launcher, "--model-id", MODEL, "--model-version", "1.0.0", "--alpha", "2");
        assertThat(badAlpha.exitCode()).isEqualTo(2);
        assertThat(badAlpha.getErrorOutput()).contains("--alpha");
    }
}
