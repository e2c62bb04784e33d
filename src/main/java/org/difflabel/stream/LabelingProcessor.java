package org.difflabel.stream;

import io.opentelemetry.api.trace.Span;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.contracts.DeadLetter;
import org.difflabel.contracts.ErrorCode;
import org.difflabel.contracts.ImageEvent;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelProbability;
import org.difflabel.contracts.Lineage;
import org.difflabel.contracts.PipelineStage;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.RoutingDecision;
import org.difflabel.images.ImageFetchException;
import org.difflabel.images.ImageFetcher;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.BadPayloadException;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Labels one {@code ImageEvent} per record: decode, classify, decide by the triage policy, and
 * hand the result to the run's {@link ResultRoute} (the champion's triage, or a challenger's
 * comparison). Every outcome is written through the context, so it commits in the same
 * transaction as the input's offset; a record that cannot be labelled becomes a
 * {@code DeadLetter}. An unreachable registry is not bad data: its exception propagates, the task
 * fails and the record is processed again after the retry, never skipped.
 */
public final class LabelingProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger LOG = Logger.getLogger(LabelingProcessor.class);

    private final String input;
    private final Scorer scoring;
    private final FailurePolicy failures;
    private final java.util.function.Supplier<ActivePolicy> policies;
    private final AvroWireDeserializer<ImageEvent> events;
    private final ResultRoute route;
    private final AvroWireSerializer<DeadLetter> deadLetters;
    private final LabelingMetrics metrics;
    private final ImageFetcher images;
    private ProcessorContext<byte[], byte[]> context;

    /** @param policies the policy in force, asked once per record (a live policy changes between records) */
    public LabelingProcessor(String input, Scorer scoring, FailurePolicy failures,
                             java.util.function.Supplier<ActivePolicy> policies,
                             AvroWireDeserializer<ImageEvent> events, ResultRoute route,
                             AvroWireSerializer<DeadLetter> deadLetters, LabelingMetrics metrics, ImageFetcher images) {
        this.input = input;
        this.scoring = scoring;
        this.failures = failures;
        this.policies = policies;
        this.events = events;
        this.route = route;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.images = images;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        route.init(context);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Lineage lineage = lineage(record);
        // every log line of this record carries where it came from (JSON logs: one field each)
        MDC.put("topic", lineage.getTopic());
        MDC.put("partition", lineage.getPartition());
        MDC.put("offset", lineage.getOffset());
        MDC.put("modelId", scoring.modelId());
        MDC.put("modelVersion", scoring.modelVersion());
        ActivePolicy policy = policies.get();
        MDC.put("policyVersion", policy.version());
        // the record's span, when traced (TracedProcessor): what was decided, never the image or the vocabulary
        Span.current().setAttribute(TracedProcessor.MODEL_ID, scoring.modelId())
                .setAttribute(TracedProcessor.MODEL_VERSION, scoring.modelVersion())
                .setAttribute(TracedProcessor.POLICY_VERSION, policy.version());
        try {
            label(record, lineage, policy);
        } catch (RuntimeException e) {
            if (FailurePolicy.isTransient(e)) {
                metrics.transientFailure(e); // for the registry/broker alert; the record is retried
            }
            throw e;
        } finally {
            MDC.clear();
        }
    }

    private void label(Record<byte[], byte[]> record, Lineage lineage, ActivePolicy policy) {
        ImageEvent event;
        try {
            event = events.deserialize(lineage.getTopic(), record.value());
        } catch (BadPayloadException e) {
            deadLetter(record, lineage, null, PipelineStage.DESERIALIZE, e.errorCode(), e.getMessage());
            return;
        }
        if (event == null) {
            deadLetter(record, lineage, null, PipelineStage.DESERIALIZE, ErrorCode.DESERIALIZATION_FAILED,
                    "null value (tombstone): nothing to label");
            return;
        }
        String id = event.getEventId();
        MDC.put("eventId", id);
        Span.current().setAttribute(TracedProcessor.EVENT_ID, id);
        long start = System.nanoTime();
        byte[] image = null; // fetched once; the classification latency is timed from then
        Posterior posterior;
        for (int attempt = 1; ; attempt++) {
            try {
                if (image == null) {
                    // inline, or fetched by reference (an unreachable store is transient: thrown, retried)
                    image = images.imageOf(event.getImage(), event.getImageUri());
                    start = System.nanoTime();
                }
                posterior = scoring.classify(id, image, event.getLabels(), event.getPromptTemplate(),
                                policy.temperature(scoring.modelId(), scoring.modelVersion()))
                        .withPriors(event.getLabelPriors());
                break;
            } catch (ImageFetchException e) {
                deadLetter(record, lineage, id, DeadLetters.stage(e.code()), DeadLetters.code(e.code()), e.getMessage());
                return;
            } catch (ClassificationException e) {
                deadLetter(record, lineage, id, DeadLetters.stage(e.code()), DeadLetters.code(e.code()), e.getMessage());
                return;
            } catch (RuntimeException e) {
                if (FailurePolicy.isTransient(e)) {
                    throw e;
                }
                LOG.warnf(e, "event %s (%s-%d@%d): attempt %d of %d failed", id, lineage.getTopic(),
                        lineage.getPartition(), lineage.getOffset(), attempt, failures.maxAttempts());
                if (attempt >= failures.maxAttempts()) {
                    deadLetter(record, lineage, id, PipelineStage.UNKNOWN, ErrorCode.INTERNAL_ERROR,
                            FailurePolicy.summary(e, attempt));
                    return;
                }
            }
        }
        long latencyMs = (System.nanoTime() - start) / 1_000_000;
        TriagePolicy.Decision decision = policy.triage().decide(posterior, id);
        LabelPosterior result = posterior(event, posterior, decision, latencyMs, lineage, policy.version());
        metrics.scored(posterior.evaluations(), posterior.confidence(), latencyMs);
        Span.current().setAttribute(TracedProcessor.DECISION, result.getDecision().name());
        route.route(record, result, () -> review(event, result, decision, lineage));
        LOG.debugf("event %s (%s-%d@%d): %s p=%.3f margin=%.3f -> %s", id, lineage.getTopic(), lineage.getPartition(),
                lineage.getOffset(), result.getTopLabel(), result.getConfidence(), result.getMargin(), result.getDecision());
    }

    private void deadLetter(Record<byte[], byte[]> record, Lineage lineage, String eventId, PipelineStage stage,
                            ErrorCode code, String message) {
        metrics.deadLettered(code);
        Span.current().setAttribute(TracedProcessor.DECISION, "DEAD_LETTER")
                .setAttribute(TracedProcessor.DEAD_LETTER_CODE, code.name());
        LOG.warnf("dead letter %s at %s for %s-%d@%d (event %s): %s", code, stage, lineage.getTopic(),
                lineage.getPartition(), lineage.getOffset(), eventId, message);
        byte[] value = deadLetters.serialize(route.deadLetterTopic(),
                DeadLetters.of(record.key(), record.value(), lineage, eventId, stage, code, message));
        context.forward(record.withValue(value).withTimestamp(route.timestamp(record)), LabelingTopology.DLQ);
    }

    private LabelPosterior posterior(ImageEvent e, Posterior p, TriagePolicy.Decision d, long latencyMs, Lineage lineage,
                                     String policyVersion) {
        List<LabelProbability> probs = new ArrayList<>();
        for (LabelScore s : p.scores()) {
            probs.add(new LabelProbability(s.label(), s.probability(), s.meanError(), s.samples()));
        }
        return LabelPosterior.newBuilder()
                .setEventId(e.getEventId())
                .setModelId(scoring.modelId())
                .setModelVersion(scoring.modelVersion())
                .setPosterior(probs)
                .setTopLabel(p.top().label())
                .setConfidence(p.confidence())
                .setMargin(p.margin())
                .setEntropy(p.entropy())
                .setEvaluations(p.evaluations())
                .setBudgetLimited(p.budgetLimited())
                .setLatencyMs(latencyMs)
                .setTemperature(p.temperature())
                .setSeed(Long.toUnsignedString(p.seed()))
                .setDecision(d.accepted() ? RoutingDecision.ACCEPTED : RoutingDecision.REVIEW)
                .setDecisionReason(d.reason())
                .setPolicyVersion(policyVersion)
                .setAuditProbability(d.auditProbability())
                .setMetadata(e.getMetadata())
                .setLineage(lineage)
                .build();
    }

    private static ReviewTask review(ImageEvent e, LabelPosterior r, TriagePolicy.Decision d, Lineage lineage) {
        return ReviewTask.newBuilder()
                .setEventId(r.getEventId())
                .setModelId(r.getModelId())
                .setModelVersion(r.getModelVersion())
                .setCandidates(r.getPosterior())
                .setTopLabel(r.getTopLabel())
                .setConfidence(r.getConfidence())
                .setMargin(r.getMargin())
                .setEntropy(r.getEntropy())
                .setPriority(d.priority())
                .setReasons(d.reasons())
                .setDecisionReason(d.reason())
                .setPolicyVersion(r.getPolicyVersion())
                .setAuditProbability(d.auditProbability())
                // by reference: the task names the image, never carries it (the review UI fetches it)
                .setImage(e.getImageUri() == null ? e.getImage() : null)
                .setContentType(e.getImageUri() == null ? e.getContentType() : null)
                .setImageUri(e.getImageUri())
                .setSource(lineage)
                .setMetadata(e.getMetadata())
                .setCreatedAt(Instant.now())
                .build();
    }

    private Lineage lineage(Record<byte[], byte[]> record) {
        RecordMetadata m = context.recordMetadata().orElse(null);
        return new Lineage(m == null ? input : m.topic(), m == null ? -1 : m.partition(),
                m == null ? -1L : m.offset(), Instant.ofEpochMilli(record.timestamp()));
    }
}
