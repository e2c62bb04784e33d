package org.difflabel.replay;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Passes on exactly the records of a re-score's window that no run of the same model version has
 * processed yet. What is done is kept per partition in a changelogged store, written in the same
 * transaction as the outputs: a restarted or repeated run skips it, an aborted transaction
 * forgets it along with its outputs.
 */
final class WindowFilter implements Processor<byte[], byte[], byte[], byte[]> {
    static final String STORE = "rescore-done";

    private final ReplayWindow window;
    private final ReplayProgress progress;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Integer, String> done;

    WindowFilter(ReplayWindow window, ReplayProgress progress) {
        this.window = window;
        this.progress = progress;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.done = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        if (!window.contains(m.partition(), m.offset())) {
            progress.outsideWindow.incrementAndGet();
            return;
        }
        OffsetRanges ranges = OffsetRanges.parse(done.get(m.partition()));
        if (ranges.contains(m.offset())) {
            progress.alreadyDone.incrementAndGet();
            return;
        }
        ranges.add(m.offset());
        done.put(m.partition(), ranges.toString());
        progress.labelled.incrementAndGet();
        context.forward(record);
    }
}
