package org.difflabel.replay;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.difflabel.contracts.LabelComparison;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.BadPayloadException;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.ResultRoute;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A challenger's route: its result to {@code rescored}, and the comparison with the champion's
 * newest result (a global table of {@code labels.scored}) to {@code diff}. A result whose champion
 * result is not there yet is compared at once as NO_CHAMPION_RESULT and kept pending; a
 * punctuator compares it again when the champion's result has arrived, so ordering loses no
 * comparison. Pending results older than the retention are dropped with a warning.
 */
final class ShadowRoute implements ResultRoute {
    private static final Logger LOG = Logger.getLogger(ShadowRoute.class);
    static final String CHAMPION_STORE = "champion-results";
    static final String HUMAN_STORE = "human-labels";
    static final String PENDING_STORE = "diff-pending";

    private final LabelingTopics topics;
    private final AvroWireSerializer<LabelPosterior> posteriors;
    private final AvroWireDeserializer<LabelPosterior> championResults;
    private final AvroWireDeserializer<ReviewedLabel> humanLabels;
    private final AvroWireSerializer<LabelComparison> comparisons;
    private final boolean withHumanLabels;
    private final Duration compareInterval;
    private final Duration pendingRetention;
    private ProcessorContext<byte[], byte[]> context;
    private ReadOnlyKeyValueStore<String, byte[]> champion;
    private ReadOnlyKeyValueStore<String, byte[]> human;
    private KeyValueStore<String, byte[]> pending;

    ShadowRoute(LabelingTopics topics, AvroWireSerializer<LabelPosterior> posteriors,
                AvroWireDeserializer<LabelPosterior> championResults, AvroWireDeserializer<ReviewedLabel> humanLabels,
                AvroWireSerializer<LabelComparison> comparisons, boolean withHumanLabels, Duration compareInterval,
                Duration pendingRetention) {
        this.topics = topics;
        this.posteriors = posteriors;
        this.championResults = championResults;
        this.humanLabels = humanLabels;
        this.comparisons = comparisons;
        this.withHumanLabels = withHumanLabels;
        this.compareInterval = compareInterval;
        this.pendingRetention = pendingRetention;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.champion = context.getStateStore(CHAMPION_STORE);
        this.human = withHumanLabels ? context.getStateStore(HUMAN_STORE) : null;
        this.pending = context.getStateStore(PENDING_STORE);
        context.schedule(compareInterval, PunctuationType.WALL_CLOCK_TIME, this::comparePending);
    }

    @Override
    public void route(Record<byte[], byte[]> input, LabelPosterior result, ReviewTaskFactory task) {
        String id = result.getEventId();
        byte[] value = posteriors.serialize(topics.rescored(), result);
        Record<byte[], byte[]> out = input.withKey(id.getBytes(StandardCharsets.UTF_8)).withTimestamp(timestamp(input));
        context.forward(out.withValue(value), ShadowTopology.RESCORED);
        LabelPosterior championResult = championResult(id);
        forwardComparison(out, result, championResult);
        if (championResult == null) {
            pending.put(id, withTime(context.currentSystemTimeMs(), value));
        }
    }

    /** Compares the pending results whose champion result has arrived since. */
    private void comparePending(long now) {
        List<String> compared = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                ByteBuffer b = ByteBuffer.wrap(kv.value);
                long since = b.getLong();
                LabelPosterior championResult = championResult(kv.key);
                if (championResult != null) {
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    LabelPosterior mine = championResults.deserialize(topics.rescored(), bytes);
                    forwardComparison(new Record<>(kv.key.getBytes(StandardCharsets.UTF_8), null, now), mine,
                            championResult);
                    compared.add(kv.key);
                } else if (now - since > pendingRetention.toMillis()) {
                    expired.add(kv.key);
                }
            }
        }
        compared.forEach(pending::delete);
        expired.forEach(pending::delete);
        if (!expired.isEmpty()) {
            LOG.warnf("%d challenger results waited longer than %s for a champion result; they stay NO_CHAMPION_RESULT",
                    expired.size(), pendingRetention);
        }
    }

    private void forwardComparison(Record<byte[], byte[]> record, LabelPosterior mine, LabelPosterior championResult) {
        LabelComparison c = Comparisons.compare(mine, championResult, humanLabel(mine.getEventId()),
                Instant.ofEpochMilli(context.currentSystemTimeMs()));
        context.forward(record.withValue(comparisons.serialize(topics.diff(), c)), ShadowTopology.DIFF);
    }

    private LabelPosterior championResult(String id) {
        byte[] bytes = champion.get(id);
        if (bytes == null) {
            return null;
        }
        try {
            return championResults.deserialize(topics.scored(), bytes);
        } catch (BadPayloadException e) {
            LOG.warnf("champion result for event %s on %s cannot be read (%s): compared as missing", id, topics.scored(),
                    e.getMessage());
            return null;
        }
    }

    private ReviewedLabel humanLabel(String id) {
        byte[] bytes = human == null ? null : human.get(id);
        if (bytes == null) {
            return null;
        }
        try {
            return humanLabels.deserialize(topics.reviewed(), bytes);
        } catch (BadPayloadException e) {
            LOG.warnf("human label for event %s on %s cannot be read (%s): ignored", id, topics.reviewed(), e.getMessage());
            return null;
        }
    }

    private static byte[] withTime(long millis, byte[] value) {
        return ByteBuffer.allocate(8 + value.length).putLong(millis).put(value).array();
    }

    @Override
    public long timestamp(Record<byte[], byte[]> input) {
        return context.currentSystemTimeMs();
    }

    @Override
    public String deadLetterTopic() {
        return topics.rescoredDlq();
    }
}
