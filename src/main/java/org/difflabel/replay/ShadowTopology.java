package org.difflabel.replay;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.difflabel.contracts.LabelComparison;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.ReviewedLabel;
import org.difflabel.registry.AvroWireDeserializer;
import org.difflabel.registry.AvroWireSerializer;
import org.difflabel.registry.RegistryClient;
import org.difflabel.stream.LabelingMetrics;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.stream.LabelingTopology;
import org.difflabel.stream.FailurePolicy;
import org.difflabel.stream.Scorer;
import org.difflabel.stream.TriagePolicy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A challenger's topology (live shadow or bounded re-score): the same labelling processor as the
 * champion's, writing {@code rescored} and {@code diff} instead of the champion's outputs, with
 * the champion's results ({@code labels.scored}) and the human labels ({@code labels.reviewed}) as
 * global tables keyed by event id. Global tables need no co-partitioning with the input (whose
 * keys are the producers' choice) and are rebuilt from the topics at start.
 */
public final class ShadowTopology {
    static final String RESCORED = "rescored";
    static final String DIFF = "diff";

    private ShadowTopology() {
    }

    /**
     * @param window          null for a live challenger; the bounded window of a re-score
     * @param progress        counts what the window filter passes and skips (re-scores)
     * @param withHumanLabels whether {@code topics.reviewed()} exists and is joined
     */
    public static Topology build(LabelingTopics topics, Scorer scoring, FailurePolicy failures, TriagePolicy policy,
                                 RegistryClient registry,
                                 LabelingMetrics metrics, ReplayWindow window, ReplayProgress progress,
                                 boolean withHumanLabels, Duration compareInterval, Duration pendingRetention,
                                 org.difflabel.images.ImageFetcher images) {
        Topology t = new Topology();
        globalTable(t, ShadowRoute.CHAMPION_STORE, topics.scored());
        if (withHumanLabels) {
            globalTable(t, ShadowRoute.HUMAN_STORE, topics.reviewed());
        }
        // a challenger decides by the configured policy: its decisions are compared, not shipped
        org.difflabel.stream.ActivePolicy fixed = org.difflabel.stream.ActivePolicy.of(policy);
        var route = LabelingTopology.processor(topics, scoring, failures, () -> fixed, registry, metrics,
                () -> new ShadowRoute(topics, AvroWireSerializer.forValues(registry, LabelPosterior.class),
                        new AvroWireDeserializer<>(registry, LabelPosterior.class),
                        new AvroWireDeserializer<>(registry, ReviewedLabel.class),
                        AvroWireSerializer.forValues(registry, LabelComparison.class), withHumanLabels, compareInterval,
                        pendingRetention), images);
        Map<String, String> sinks = new LinkedHashMap<>();
        sinks.put(RESCORED, topics.rescored());
        sinks.put(DIFF, topics.diff());
        sinks.put(LabelingTopology.DLQ, topics.rescoredDlq());
        LabelingTopology.wire(t, topics.input(), window == null ? null : () -> new WindowFilter(window, progress), route,
                sinks);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ShadowRoute.PENDING_STORE),
                Serdes.String(), Serdes.ByteArray()), LabelingTopology.PROCESSOR);
        if (window != null) {
            t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(WindowFilter.STORE),
                    Serdes.Integer(), Serdes.String()), LabelingTopology.FILTER);
        }
        return t;
    }

    /** A global table of a topic keyed by event id: the newest value per key, deleted by a tombstone. */
    private static void globalTable(Topology t, String store, String topic) {
        t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(store), Serdes.String(),
                        Serdes.ByteArray()).withLoggingDisabled(), store + "-source", Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer(), topic, store + "-update", () -> new Processor<String, byte[], Void, Void>() {
                    private KeyValueStore<String, byte[]> kv;

                    @Override
                    public void init(ProcessorContext<Void, Void> context) {
                        kv = context.getStateStore(store);
                    }

                    @Override
                    public void process(Record<String, byte[]> r) {
                        if (r.key() == null) {
                            return;
                        }
                        if (r.value() == null) {
                            kv.delete(r.key());
                        } else {
                            kv.put(r.key(), r.value());
                        }
                    }
                });
    }
}
