package org.difflabel.stream;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker's meters count what the dashboard reads from them. */
class LabelingMetricsTest {

    @Test
    void confidencesLandInTheirOwnBuckets() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LabelingMetrics metrics = new LabelingMetrics(registry);
        metrics.scored(304, 0.838, 250);
        metrics.scored(304, 0.97, 250);

        DistributionSummary summary = registry.get("labeler.confidence.percent").summary();
        CountAtBucket[] buckets = summary.takeSnapshot().histogramCounts();
        // cumulative counts: 0.838 is above 0.8 and below 0.9; 0.97 below 0.99
        assertThat(count(buckets, 80)).isZero();
        assertThat(count(buckets, 90)).isEqualTo(1);
        assertThat(count(buckets, 95)).isEqualTo(1);
        assertThat(count(buckets, 99)).isEqualTo(2);
    }

    @Test
    void labelledCountersExistAtZeroBeforeTheirFirstEvent() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new LabelingMetrics(registry);
        assertThat(registry.get("labeler.events.dead_lettered").tag("code", "WRONG_MAGIC_BYTE").counter().count()).isZero();
        assertThat(registry.get("labeler.events.routed").tag("destination", "review").counter().count()).isZero();
        assertThat(registry.get("labeler.events.dead_lettered").counters()).hasSize(
                org.difflabel.contracts.ErrorCode.values().length);
    }

    private static double count(CountAtBucket[] buckets, double le) {
        return Arrays.stream(buckets).filter(b -> b.bucket() == le).findFirst().orElseThrow().count();
    }
}
