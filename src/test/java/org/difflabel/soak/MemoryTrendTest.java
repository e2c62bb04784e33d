package org.difflabel.soak;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The soak's memory slopes: least squares in MiB per minute, start-up left out. */
class MemoryTrendTest {
    @Test
    void slopeIgnoresTheStartUpAndIsPerMinute() {
        MemoryTrend trend = new MemoryTrend();
        trend.add(new MemoryTrend.Sample(0, 10, 100)); // start-up: a jump that is not a leak
        trend.add(new MemoryTrend.Sample(10, 200, 500));
        for (int i = 0; i < 10; i++) {
            double t = 30 + 30 * i;
            trend.add(new MemoryTrend.Sample(t, 200 + t / 60.0 * 3, 500 - t / 60.0 * 2)); // +3 and -2 MiB/min
        }
        assertThat(trend.slopePerMinute(true, 30)).isCloseTo(3.0, within(1e-9));
        assertThat(trend.slopePerMinute(false, 30)).isCloseTo(-2.0, within(1e-9));
        assertThat(trend.slopePerMinute(true, 0)).isGreaterThan(3.0);
    }

    @Test
    void tooFewSamplesHaveNoSlope() {
        MemoryTrend trend = new MemoryTrend();
        trend.add(new MemoryTrend.Sample(0, 1, 1));
        trend.add(new MemoryTrend.Sample(5, 2, 2));
        assertThat(trend.slopePerMinute(true, 0)).isNaN();
    }
}
