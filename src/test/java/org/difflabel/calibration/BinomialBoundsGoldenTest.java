package org.difflabel.calibration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The bounds against SciPy's (beta.ppf, binom.cdf, special.betainc) on fixed cases written by
 * tools/calibration_golden.py (k = 0, k = n, n from 1 to 100,000, several deltas).
 */
class BinomialBoundsGoldenTest {
    private static final double REL = 1e-9;

    private static JsonNode golden() throws Exception {
        try (InputStream in = BinomialBoundsGoldenTest.class.getResourceAsStream("/calibration/golden.json")) {
            assertThat(in).as("src/test/resources/calibration/golden.json").isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }

    /** |a - e| <= REL * |e|, with a floor for values that are (near) zero. */
    private static void close(double actual, double expected, String what) {
        assertThat(actual).as(what).isCloseTo(expected, within(Math.max(REL * Math.abs(expected), 1e-15)));
    }

    @Test
    void clopperPearsonUpperMatchesScipyBetaPpf() throws Exception {
        JsonNode cases = golden().get("clopperPearsonUpper");
        assertThat(cases.size()).isGreaterThan(200);
        for (JsonNode c : cases) {
            long k = c.get("k").asLong();
            long n = c.get("n").asLong();
            double delta = c.get("delta").asDouble();
            close(BinomialBounds.clopperPearsonUpper(k, n, delta), c.get("upper").asDouble(),
                    "CP upper k=" + k + " n=" + n + " delta=" + delta);
        }
    }

    @Test
    void binomialCdfAndIncompleteBetaMatchScipy() throws Exception {
        JsonNode g = golden();
        for (JsonNode c : g.get("binomialCdf")) {
            long k = c.get("k").asLong();
            long n = c.get("n").asLong();
            double p = c.get("p").asDouble();
            double expected = c.get("cdf").asDouble();
            double actual = BinomialBounds.binomialCdf(k, n, p);
            // tiny tail probabilities: relative accuracy down to 1e-250, absolute below
            assertThat(actual).as("cdf k=%d n=%d p=%s", k, n, p)
                    .isCloseTo(expected, within(Math.max(REL * expected, 1e-250)));
        }
        for (JsonNode c : g.get("regularizedBeta")) {
            double x = c.get("x").asDouble();
            double a = c.get("a").asDouble();
            double b = c.get("b").asDouble();
            double expected = c.get("value").asDouble();
            assertThat(BinomialBounds.regularizedBeta(x, a, b)).as("I_%s(%s, %s)", x, a, b)
                    .isCloseTo(expected, within(Math.max(REL * expected, 1e-250)));
        }
    }

    @Test
    void hoeffdingBentkusMatchesScipyBinomialTerm() throws Exception {
        for (JsonNode c : golden().get("hoeffdingBentkusPValue")) {
            double mean = c.get("mean").asDouble();
            long n = c.get("n").asLong();
            double alpha = c.get("alpha").asDouble();
            close(BinomialBounds.hoeffdingBentkusPValue(mean, n, alpha), c.get("p").asDouble(),
                    "HB p mean=" + mean + " n=" + n + " alpha=" + alpha);
        }
    }

    @Test
    void pValueAndUpperBoundAgree() {
        // the bound is below alpha exactly when the exact binomial test rejects at delta
        for (long n : new long[]{20, 150, 1000}) {
            for (long k = 0; k <= n / 10; k++) {
                double upper = BinomialBounds.clopperPearsonUpper(k, n, 0.1);
                assertThat(BinomialBounds.binomialPValue(k, n, upper * (1 + 1e-9))).isLessThanOrEqualTo(0.1);
                assertThat(BinomialBounds.binomialPValue(k, n, upper * (1 - 1e-9))).isGreaterThan(0.1);
            }
        }
        // the weighted bound is at least the exact one on 0/1 data (it holds for any [0, 1] losses)
        assertThat(BinomialBounds.hoeffdingBentkusUpper(3.0 / 500, 500, 0.1))
                .isGreaterThan(BinomialBounds.clopperPearsonUpper(3, 500, 0.1));
    }
}
