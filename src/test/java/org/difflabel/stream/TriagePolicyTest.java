package org.difflabel.stream;

import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.contracts.ReviewReason;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Triage with audit sampling: which results go on, which go to a person, and why. */
class TriagePolicyTest {
    private static final TriagePolicy.Thresholds T = new TriagePolicy.Thresholds(0.9, 0.5, null);

    private static Posterior posterior(double top) {
        return new Posterior(List.of(new LabelScore("a", top, 0.1, 0.01, 8, new double[0]),
                new LabelScore("b", 1 - top, 0.2, 0.01, 8, new double[0])), 0.01, 1L, 16, List.of(), new long[0]);
    }

    @Test
    void aBudgetLimitedResultGoesToReviewHoweverConfident() {
        TriagePolicy policy = new TriagePolicy("2", T, Map.of(), 0.0);
        Posterior sure = posterior(0.999);
        Posterior cut = new Posterior(sure.scores(), 0.01, 1L, 40, List.of(), new long[0], "16:3,64:1", null, true);
        assertThat(policy.decide(sure, "e-1").accepted()).isTrue();
        TriagePolicy.Decision d = policy.decide(cut, "e-1");
        assertThat(d.accepted()).isFalse();
        assertThat(d.reasons()).containsExactly(ReviewReason.BUDGET_LIMITED);
        assertThat(d.reason()).contains("stopped by the evaluation budget after 40 evaluations");
    }

    @Test
    void auditsTheConfiguredShareOfAcceptableResultsDeterministicallyByEventId() {
        TriagePolicy policy = new TriagePolicy("2", T, Map.of(), 0.1);
        int n = 20_000;
        long audited = IntStream.range(0, n).filter(i -> !policy.decide(posterior(0.99), "event-" + i).accepted()).count();
        // binomial(20000, 0.1): sd 42; 5 sd either side
        assertThat(audited).isBetween(2000L - 212, 2000L + 212);
        TriagePolicy.Decision d = IntStream.range(0, n).mapToObj(i -> policy.decide(posterior(0.99), "event-" + i))
                .filter(x -> !x.accepted()).findFirst().orElseThrow();
        assertThat(d.reasons()).containsExactly(ReviewReason.AUDIT_SAMPLE);
        assertThat(d.auditProbability()).isEqualTo(0.1);
        assertThat(d.reason()).startsWith("audit sample (rate 0.1)");
        // the same event id, the same choice (a replay audits the same events), under any policy version
        TriagePolicy other = new TriagePolicy("3", T, Map.of(), 0.1);
        IntStream.range(0, 500).forEach(i -> assertThat(other.decide(posterior(0.99), "event-" + i).accepted())
                .isEqualTo(policy.decide(posterior(0.99), "event-" + i).accepted()));
    }

    @Test
    void resultsThatFailTheThresholdsAreNotCountedAsAudits() {
        TriagePolicy policy = new TriagePolicy("2", T, Map.of(), 1.0);
        TriagePolicy.Decision d = policy.decide(posterior(0.6), "x");
        assertThat(d.accepted()).isFalse();
        assertThat(d.reasons()).doesNotContain(ReviewReason.AUDIT_SAMPLE);
        assertThat(d.auditProbability()).isNull();
        assertThat(policy.decide(posterior(0.99), "x").reasons()).containsExactly(ReviewReason.AUDIT_SAMPLE);
    }

    @Test
    void noAuditRateNoAudits() {
        TriagePolicy policy = new TriagePolicy("1", T, Map.of());
        assertThat(IntStream.range(0, 1000).allMatch(i -> policy.decide(posterior(0.99), "e" + i).accepted())).isTrue();
        assertThatThrownBy(() -> new TriagePolicy("1", T, Map.of(), 1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
