package org.difflabel.stream;

import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The span around one record, apart from the labelling: failures, and the header it hands on. */
class TracedProcessorTest {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk telemetry = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();

    @Test
    void aFailureTheWorkerRetriesEndsItsSpanAsAnError() {
        TracedProcessor traced = new TracedProcessor(new Processor<>() {
            @Override
            public void process(Record<byte[], byte[]> record) {
                throw new TimeoutException("registry unreachable");
            }
        }, telemetry);
        traced.init(new MockProcessorContext<>());

        assertThatThrownBy(() -> traced.process(record(TRACEPARENT, TRACEPARENT))).isInstanceOf(TimeoutException.class);

        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getEvents()).extracting(e -> e.getName()).containsExactly("exception");
    }

    @Test
    void theRecordHandedOnCarriesOneTraceparentNamingTheSpan() {
        List<Record<byte[], byte[]>> seen = new ArrayList<>();
        TracedProcessor traced = new TracedProcessor(new Processor<>() {
            @Override
            public void init(ProcessorContext<byte[], byte[]> context) {
            }

            @Override
            public void process(Record<byte[], byte[]> record) {
                seen.add(record);
            }
        }, telemetry);
        traced.init(new MockProcessorContext<>());
        Record<byte[], byte[]> input = record(TRACEPARENT, TRACEPARENT); // a producer that added it twice

        traced.process(input);

        SpanData span = spans.getFinishedSpanItems().get(0);
        List<String> handedOn = new ArrayList<>();
        seen.get(0).headers().headers("traceparent").forEach(h -> handedOn.add(new String(h.value(), StandardCharsets.UTF_8)));
        assertThat(handedOn).containsExactly("00-" + span.getTraceId() + "-" + span.getSpanId() + "-01");
        assertThat(input.headers().headers("traceparent")).hasSize(2); // the input record itself is left as it was
    }

    private static Record<byte[], byte[]> record(String... traceparents) {
        RecordHeaders headers = new RecordHeaders();
        for (String t : traceparents) {
            headers.add("traceparent", t.getBytes(StandardCharsets.UTF_8));
        }
        return new Record<>("k".getBytes(), "v".getBytes(), 0L, headers);
    }
}
