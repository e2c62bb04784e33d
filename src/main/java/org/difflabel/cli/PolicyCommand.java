package org.difflabel.cli;

import jakarta.inject.Inject;
import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.TriagePolicySpec;
import org.difflabel.policy.InvalidPolicyException;
import org.difflabel.policy.PolicySpecs;
import org.difflabel.policy.PolicyTopic;
import org.difflabel.stream.ActivePolicy;
import org.difflabel.worker.LabelingAssembly;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code policy show}: the triage policy the workers apply now (the newest valid version on
 * {@code labeler.policy}); {@code policy set --version V ...}: a new version, starting from the one
 * in force (or the configured one when the topic is empty) with the given changes, validated, then
 * written; running workers apply it to their next record.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Show the live triage policy, or publish a new version of it (labeler.policy).")
public class PolicyCommand implements Callable<Integer> {
    @Inject
    LabelerConfig config;

    @Parameters(index = "0", paramLabel = "show|set", description = "show: print the version in force; set: publish a new one")
    String action;

    @Option(names = "--version", description = "set: the new version (must differ from the one in force)")
    String version;

    @Option(names = "--min-confidence")
    Double minConfidence;

    @Option(names = "--min-margin")
    Double minMargin;

    @Option(names = "--max-entropy", description = "a number, or 'none' for no entropy rule")
    String maxEntropy;

    @Option(names = "--audit-rate")
    Double auditRate;

    @Option(names = "--temperature", paramLabel = "MODEL:VERSION=T", description = "temperature for one model (repeatable)")
    Map<String, Double> temperatures = new HashMap<>();

    @Option(names = "--note", description = "why it changed, for people")
    String note;

    @Mixin
    ClusterArgs cluster;

    @Override
    public Integer call() throws Exception {
        PolicyTopic topic = new PolicyTopic(cluster.client(config),
                LabelingAssembly.registry(config, cluster.registry(config)), config.topics().policy());
        var inForce = topic.inForce();
        switch (action) {
            case "show" -> {
                if (inForce.isEmpty()) {
                    System.out.println("no policy on " + config.topics().policy() + " yet (a worker seeds it with the"
                            + " configured policy " + config.policy().version() + " at start)");
                    return 0;
                }
                print(inForce.get().spec());
                if (inForce.get().refusedSince() > 0) {
                    System.out.println(inForce.get().refusedSince() + " later record(s) were refused (invalid); see the"
                            + " workers' logs");
                }
                return 0;
            }
            case "set" -> {
                if (version == null || version.isBlank()) {
                    throw new CommandFailure("policy set: give --version", 2);
                }
                TriagePolicySpec base = inForce.map(PolicyTopic.InForce::spec).orElseGet(() -> PolicySpecs.toSpec(
                        ActivePolicy.of(config.triagePolicy()), "configuration", null, Instant.now()));
                if (version.equals(base.getVersion())) {
                    throw new CommandFailure("policy set: version " + version + " is the one in force; give a new one", 2);
                }
                TriagePolicySpec.Builder b = TriagePolicySpec.newBuilder(base).setVersion(version)
                        .setCreatedAt(Instant.now()).setCreatedBy(System.getProperty("user.name", "policy command"))
                        .setNote(note);
                if (minConfidence != null) {
                    b.setMinConfidence(minConfidence);
                }
                if (minMargin != null) {
                    b.setMinMargin(minMargin);
                }
                if (maxEntropy != null) {
                    b.setMaxEntropy(maxEntropy.equals("none") ? null : parse("--max-entropy", maxEntropy));
                }
                if (auditRate != null) {
                    b.setAuditRate(auditRate);
                }
                Map<String, Double> t = new HashMap<>(base.getTemperatures());
                t.putAll(temperatures);
                b.setTemperatures(t);
                TriagePolicySpec next = b.build();
                try {
                    topic.publish(next);
                } catch (InvalidPolicyException e) {
                    throw new CommandFailure("policy set: refused, nothing written: " + e.getMessage(), 2);
                }
                System.out.println("published policy " + version + " to " + config.topics().policy() + " (was "
                        + base.getVersion() + "):");
                print(next);
                return 0;
            }
            default -> throw new CommandFailure("policy: '" + action + "' is not show or set", 2);
        }
    }

    private static double parse(String option, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new CommandFailure(option + ": '" + value + "' is not a number", 2);
        }
    }

    private static void print(TriagePolicySpec s) {
        System.out.printf(Locale.ROOT, "version %s (written %s by %s%s)%n", s.getVersion(), s.getCreatedAt(),
                s.getCreatedBy(), s.getNote() == null ? "" : ": " + s.getNote());
        System.out.printf(Locale.ROOT, "  accept when confidence >= %s and margin >= %s%s; audit rate %s%n",
                s.getMinConfidence(), s.getMinMargin(), s.getMaxEntropy() == null ? "" : " and entropy <= "
                        + s.getMaxEntropy(), s.getAuditRate());
        List.copyOf(new java.util.TreeMap<>(s.getLabels()).entrySet()).forEach(e -> System.out.printf(Locale.ROOT,
                "  label %s: confidence >= %s, margin >= %s, entropy <= %s%n", e.getKey(),
                e.getValue().getMinConfidence(), e.getValue().getMinMargin(), e.getValue().getMaxEntropy()));
        new java.util.TreeMap<>(s.getTemperatures()).forEach((m, t) -> System.out.printf(Locale.ROOT,
                "  temperature %s for %s%n", t, m));
    }
}
