package org.difflabel.stream;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One consumer span per input record around the labelling processor. It continues the trace of
 * the record's W3C {@code traceparent} header (a root span without one) and replaces that header
 * on the record it hands on, so every output, built from the input record and so carrying its
 * headers, names this span as its parent. The processor adds what it decided to the span
 * ({@code labeler.*} attributes on {@link Span#current()}); this class knows only the transport.
 * With a no-op {@link OpenTelemetry} (tracing off) records pass through untouched.
 */
public final class TracedProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    public static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("labeler.event.id");
    public static final AttributeKey<String> MODEL_ID = AttributeKey.stringKey("labeler.model.id");
    public static final AttributeKey<String> MODEL_VERSION = AttributeKey.stringKey("labeler.model.version");
    public static final AttributeKey<String> POLICY_VERSION = AttributeKey.stringKey("labeler.policy.version");
    /** {@code ACCEPTED}, {@code REVIEW} or {@code DEAD_LETTER}. */
    public static final AttributeKey<String> DECISION = AttributeKey.stringKey("labeler.decision");
    public static final AttributeKey<String> DEAD_LETTER_CODE = AttributeKey.stringKey("labeler.dead_letter.code");
    static final String INSTRUMENTATION = "org.difflabel.stream";

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            for (Header h : headers) {
                keys.add(h.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            Header h = headers == null ? null : headers.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };
    /** Replaces, never appends: a record with two {@code traceparent}s would be read differently by each consumer. */
    private static final TextMapSetter<Headers> SETTER = (headers, key, value) ->
            headers.remove(key).add(key, value.getBytes(StandardCharsets.UTF_8));

    private final Processor<byte[], byte[], byte[], byte[]> delegate;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private ProcessorContext<byte[], byte[]> context;

    TracedProcessor(Processor<byte[], byte[], byte[], byte[]> delegate, OpenTelemetry telemetry) {
        this.delegate = delegate;
        this.tracer = telemetry.getTracer(INSTRUMENTATION);
        this.propagator = telemetry.getPropagators().getTextMapPropagator();
    }

    /** {@code processor}'s processors, each in a span of {@code telemetry}; {@code processor} itself when that is a no-op. */
    public static ProcessorSupplier<byte[], byte[], byte[], byte[]> around(
            ProcessorSupplier<byte[], byte[], byte[], byte[]> processor, OpenTelemetry telemetry) {
        if (telemetry == OpenTelemetry.noop()) {
            return processor;
        }
        return () -> new TracedProcessor(processor.get(), telemetry);
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        delegate.init(context);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Context parent = propagator.extract(Context.root(), record.headers(), GETTER);
        RecordMetadata m = context.recordMetadata().orElse(null);
        String topic = m == null ? "unknown" : m.topic();
        var span = tracer.spanBuilder("process " + topic)
                .setSpanKind(SpanKind.CONSUMER)
                .setParent(parent)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.consumer.group.name", context.applicationId());
        if (m != null) {
            span.setAttribute("messaging.destination.partition.id", Integer.toString(m.partition()))
                    .setAttribute("messaging.kafka.offset", m.offset());
        }
        Span started = span.startSpan();
        Context traced = parent.with(started);
        Headers headers = new RecordHeaders(record.headers().toArray());
        propagator.inject(traced, headers, SETTER);
        try (Scope ignored = traced.makeCurrent()) {
            delegate.process(record.withHeaders(headers));
        } catch (RuntimeException e) {
            // transient: the record will be processed again, in a span of its own
            started.recordException(e);
            started.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            started.end();
        }
    }

    @Override
    public void close() {
        delegate.close();
    }
}
