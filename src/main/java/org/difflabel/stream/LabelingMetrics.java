package org.difflabel.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.difflabel.contracts.ErrorCode;

import java.time.Duration;

/**
 * The worker's meters. Tags are low-cardinality only: destination and error code, never event
 * ids or labels (a vocabulary is per request and unbounded).
 */
public final class LabelingMetrics {
    private final MeterRegistry registry;
    private final Counter scored;
    private final DistributionSummary evaluations;
    private final DistributionSummary confidence;
    private final Timer latency;

    public LabelingMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.scored = Counter.builder("labeler.events.scored").description("events with a posterior").register(registry);
        this.evaluations = DistributionSummary.builder("labeler.evaluations")
                .description("noise-prediction evaluations per event").publishPercentileHistogram().register(registry);
        // in percent: Micrometer's summary histograms count a value in the buckets of its ceiling, so a
        // probability of 0.838 fell in no bucket below 1 (every event landed in le=1.0)
        this.confidence = DistributionSummary.builder("labeler.confidence.percent")
                .description("top-label probability per event, in percent")
                .serviceLevelObjectives(50, 70, 80, 90, 95, 99).register(registry);
        this.latency = Timer.builder("labeler.classification.latency").description("classification time per event")
                .publishPercentileHistogram().register(registry);
        // at zero from the start, so the dashboard and the alert on them have a series before the first failure
        for (String cause : new String[]{"registry", "image-store", "kafka", "other"}) {
            registry.counter("labeler.transient.failures", "cause", cause);
        }
        // the same for the labelled counters: a series that appears at its first increment hides that
        // increment from rate() and increase(), and the dead-letter alert would miss a first burst
        for (String destination : new String[]{"accepted", "review"}) {
            registry.counter("labeler.events.routed", "destination", destination);
        }
        for (org.difflabel.contracts.ErrorCode code : org.difflabel.contracts.ErrorCode.values()) {
            registry.counter("labeler.events.dead_lettered", "code", code.name());
        }
    }

    /** Meters that go nowhere (tests of the topology alone). */
    public static LabelingMetrics none() {
        return new LabelingMetrics(new SimpleMeterRegistry());
    }

    void scored(long evaluationsSpent, double topProbability, long latencyMs) {
        scored.increment();
        evaluations.record(evaluationsSpent);
        confidence.record(100 * topProbability);
        latency.record(Duration.ofMillis(latencyMs));
    }

    void routed(String destination) {
        registry.counter("labeler.events.routed", "destination", destination).increment();
    }

    /** A record given up for now because something it needs is unreachable (it is retried, never skipped). */
    void transientFailure(Throwable e) {
        String cause = "other";
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.difflabel.registry.RegistryUnavailableException) {
                cause = "registry";
                break;
            }
            if (t instanceof org.difflabel.images.ImageStoreUnavailableException) {
                cause = "image-store";
                break;
            }
            if (t instanceof org.apache.kafka.common.KafkaException) {
                cause = "kafka";
            }
        }
        registry.counter("labeler.transient.failures", "cause", cause).increment();
    }

    void deadLettered(ErrorCode code) {
        registry.counter("labeler.events.dead_lettered", "code", code.name()).increment();
    }
}
