package org.difflabel.cli;

import jakarta.inject.Inject;
import org.difflabel.calibration.CalibrationPage;
import org.difflabel.calibration.CalibrationReport;
import org.difflabel.calibration.CalibrationResult;
import org.difflabel.calibration.Calibrator;
import org.difflabel.contracts.TriagePolicySpec;
import org.difflabel.policy.InvalidPolicyException;
import org.difflabel.policy.PolicySpecs;
import org.difflabel.policy.PolicyTopic;
import org.difflabel.stream.ActivePolicy;
import org.difflabel.calibration.ReviewEvidence;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.BadPayloadException;
import org.difflabel.replay.TopicReader;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.time.Instant;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * {@code calibrate}: joins {@code labels.reviewed} with one model version's results on
 * {@code labels.scored}, re-fits the temperature, certifies an auto-accept threshold with a
 * guaranteed error rate and prints the report (Markdown; {@code --html FILE} also writes a page).
 * It changes nothing: {@link #calibrate} returns the values a new triage policy would take.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Temperature re-fit and an auto-accept threshold with a guaranteed error rate, from reviews.")
public class CalibrateCommand implements Callable<Integer> {
    @Inject
    LabelerConfig config;

    @Option(names = "--model-id", required = true, description = "model id of the results to calibrate")
    String modelId;

    @Option(names = "--model-version", required = true, description = "model version of the results to calibrate")
    String modelVersion;

    @Option(names = "--alpha", defaultValue = "0.02",
            description = "target error rate among auto-accepted results (default: ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--delta", defaultValue = "0.1",
            description = "allowed probability that the guarantee fails (default: ${DEFAULT-VALUE})")
    double delta;

    @Option(names = "--holdout", defaultValue = "0.5",
            description = "share of the results held out from the temperature fit, for NLL/ECE and the threshold "
                    + "(default: ${DEFAULT-VALUE})")
    double holdout;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the fit/held-out split (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--bins", defaultValue = "15", description = "ECE bins (default: ${DEFAULT-VALUE})")
    int bins;

    @Option(names = "--scored", description = "results topic (default: labeler.topics.scored)")
    String scoredTopic;

    @Option(names = "--reviewed", description = "human labels topic (default: labeler.topics.reviewed)")
    String reviewedTopic;

    @Option(names = "--html", paramLabel = "FILE", description = "also write the report as a self-contained HTML page")
    Path html;

    @Option(names = "--publish", description = "write the certified threshold and the fitted temperature as a new version"
            + " of the live policy (labeler.policy); without it nothing changes")
    boolean publish;

    @Option(names = "--policy-version", description = "with --publish: the new policy version (must differ from the one in force)")
    String policyVersion;

    @Mixin
    ClusterArgs cluster;

    /** What the command found: the evidence it joined and the certified values. */
    public record Outcome(ReviewEvidence evidence, CalibrationResult result, Calibrator.Options options) {
    }

    @Override
    public Integer call() throws Exception {
        try {
            if (publish && (policyVersion == null || policyVersion.isBlank())) {
                throw new CommandFailure("--publish needs --policy-version (the version the workers will stamp)", 2);
            }
            Outcome o = calibrate();
            System.out.print(CalibrationReport.markdown(modelId, modelVersion, o.evidence(), o.result(), o.options()));
            if (html != null) {
                Files.writeString(html, CalibrationPage.render(modelId, modelVersion, o.evidence(), o.result(), o.options()));
                System.err.println("wrote " + html);
            }
            if (publish) {
                publish(o);
            }
            return 0;
        } catch (CommandFailure e) {
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
    }

    /**
     * Reads both topics, joins them and calibrates: the fitted temperature and the certified threshold
     * ({@link CalibrationResult#temperature()}, {@link CalibrationResult#certifiedThreshold()}) are what a
     * {@code --publish} would write as a new policy version.
     */
    public Outcome calibrate() {
        if (!(alpha > 0 && alpha < 1) || !(delta > 0 && delta < 1) || !(holdout > 0 && holdout < 1) || bins < 1) {
            throw new CommandFailure("--alpha, --delta and --holdout must be in (0, 1), --bins >= 1", 2);
        }
        Map<String, Object> client = cluster.client(config);
        var registryClient = LabelingAssembly.registry(config, cluster.registry(config));
        List<LabelPosterior> scored = new ArrayList<>();
        List<ReviewedLabel> reviewed = new ArrayList<>();
        int[] unreadable = {0};
        read(client, scoredTopic != null ? scoredTopic : config.topics().scored(),
                new AvroWireDeserializer<>(registryClient, LabelPosterior.class), scored::add, unreadable);
        read(client, reviewedTopic != null ? reviewedTopic : config.topics().reviewed(),
                new AvroWireDeserializer<>(registryClient, ReviewedLabel.class), reviewed::add, unreadable);
        if (unreadable[0] > 0) {
            System.err.println("warning: " + unreadable[0] + " unreadable records skipped");
        }
        ReviewEvidence evidence = ReviewEvidence.join(modelId, modelVersion, scored, reviewed);
        if (evidence.scored() == 0) {
            throw new CommandFailure("no results of model " + modelId + " version " + modelVersion + " on the scored topic", 2);
        }
        if (evidence.labelled() == 0) {
            throw new CommandFailure("no reviewed events for model " + modelId + " version " + modelVersion + " ("
                    + evidence.scored() + " results, " + evidence.reviewsRead() + " reviews read)", 2);
        }
        Calibrator.Options options = new Calibrator.Options(alpha, delta, holdout, seed, bins);
        try {
            return new Outcome(evidence, Calibrator.calibrate(evidence.items(), options), options);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), 2);
        }
    }

    /**
     * Writes the result as a new policy version: accept exactly when confidence >= the certified
     * threshold (margin, entropy and per-label rules off: the guarantee is about that rule alone) under
     * the fitted temperature for this model version; the audit rate stays as it is (future calibrations
     * need audit samples). Refused, writing nothing, when nothing was certified.
     */
    private void publish(Outcome o) throws InterruptedException {
        double threshold = o.result().certifiedThreshold().orElseThrow(() -> new CommandFailure(
                "nothing certified at alpha " + alpha + ": no policy published (collect more reviews, or allow a"
                        + " larger --alpha)", 1));
        PolicyTopic topic = new PolicyTopic(cluster.client(config), LabelingAssembly.registry(config,
                cluster.registry(config)), config.topics().policy());
        TriagePolicySpec base = topic.inForce().map(PolicyTopic.InForce::spec).orElseGet(() -> PolicySpecs.toSpec(
                ActivePolicy.of(config.triagePolicy()), "configuration", null, Instant.now()));
        if (policyVersion.equals(base.getVersion())) {
            throw new CommandFailure("--policy-version " + policyVersion + " is the version in force; give a new one", 2);
        }
        Map<String, Double> temperatures = new HashMap<>(base.getTemperatures());
        temperatures.put(modelId + ":" + modelVersion, o.result().temperature());
        TriagePolicySpec next = TriagePolicySpec.newBuilder(base).setVersion(policyVersion)
                .setMinConfidence(threshold).setMinMargin(0.0).setMaxEntropy(null).setLabels(Map.of())
                .setTemperatures(temperatures).setCreatedAt(Instant.now()).setCreatedBy("calibrate")
                .setNote(String.format(Locale.ROOT, "calibrate %s %s: confidence >= %.4f keeps the error among accepted"
                                + " results <= %s with probability >= %s (temperature %.6g)", modelId, modelVersion, threshold,
                        alpha, 1 - delta, o.result().temperature()))
                .build();
        try {
            topic.publish(next);
        } catch (InvalidPolicyException e) {
            throw new CommandFailure("the calibrated policy is invalid, nothing written: " + e.getMessage(), 1);
        }
        System.out.printf(Locale.ROOT, "%npublished policy %s to %s (was %s): accept when confidence >= %.4f; temperature"
                        + " %.6g for %s:%s%n", policyVersion, config.topics().policy(), base.getVersion(), threshold,
                o.result().temperature(), modelId, modelVersion);
        if (base.getAuditRate() == 0) {
            System.err.println("warning: the policy's audit rate is 0: accepted results are never reviewed, so the next"
                    + " calibration can only use dataset labels (set one with policy set --audit-rate)");
        }
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> void read(Map<String, Object> client, String topic,
            AvroWireDeserializer<T> reader, Consumer<T> sink, int[] unreadable) {
        try {
            TopicReader.readAll(client, topic, r -> {
                try {
                    T value = reader.deserialize(r.topic(), r.value());
                    if (value != null) {
                        sink.accept(value);
                    }
                } catch (BadPayloadException e) {
                    unreadable[0]++;
                }
            });
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), 2);
        }
    }
}
