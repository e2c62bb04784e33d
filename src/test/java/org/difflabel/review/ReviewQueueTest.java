package org.difflabel.review;

import org.difflabel.contracts.LabelPosterior;
import org.difflabel.contracts.LabelSource;
import org.difflabel.contracts.RejectionReason;
import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The queue's order, leases, skips and decisions, on a fixed set of tasks and a clock the test moves. */
class ReviewQueueTest {
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private final Map<String, ReviewTask> pending = new LinkedHashMap<>();
    private final Map<String, ReviewedLabel> decided = new LinkedHashMap<>();
    private Instant now = T0.plus(Duration.ofHours(2));
    private ReviewQueue queue;

    @BeforeEach
    void tenTasks() {
        for (int i = 9; i >= 0; i--) { // inserted in reverse: the order must come from the queue
            pending.put(ReviewFixture.id(i), ReviewFixture.task(i, T0, null));
        }
        TaskSource source = new TaskSource() {
            public List<ReviewTask> pending() {
                return List.copyOf(pending.values());
            }

            public Optional<ReviewTask> pending(String id) {
                return Optional.ofNullable(pending.get(id));
            }

            public Optional<ReviewedLabel> decided(String id) {
                return Optional.ofNullable(decided.get(id));
            }

            public List<ReviewedLabel> decided() {
                return List.copyOf(decided.values());
            }
        };
        Clock clock = new Clock() {
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return now;
            }
        };
        queue = new ReviewQueue(source, clock, Duration.ofMinutes(5));
    }

    private String next(String reviewer) {
        return queue.next(reviewer, QueueFilter.ALL, Set.of()).map(h -> h.task().getEventId()).orElse(null);
    }

    @Test
    void closestCallsFirstAndTwoReviewersNeverShareATask() {
        assertThat(next("alice")).isEqualTo("task-00");
        assertThat(next("bob")).isEqualTo("task-01");
        // asking again gives each the task they hold (a reloaded page), not a new one
        assertThat(next("alice")).isEqualTo("task-00");
        assertThat(next("bob")).isEqualTo("task-01");
        Set<String> alice = new HashSet<>(queue.batch("alice", QueueFilter.ALL, 4).stream()
                .map(h -> h.task().getEventId()).toList());
        Set<String> bob = new HashSet<>(queue.batch("bob", QueueFilter.ALL, 10).stream()
                .map(h -> h.task().getEventId()).toList());
        assertThat(alice).containsExactlyInAnyOrder("task-00", "task-02", "task-03", "task-04");
        assertThat(bob).doesNotContainAnyElementsOf(alice).contains("task-01").hasSize(6);
    }

    @Test
    void anExpiredLeaseReturnsTheTask() {
        assertThat(next("alice")).isEqualTo("task-00");
        now = now.plus(Duration.ofMinutes(4));
        assertThat(next("bob")).isEqualTo("task-01");
        // alice's lease was renewed when she asked again at +0; at +5:01 it has run out
        now = now.plus(Duration.ofSeconds(61));
        assertThat(next("carol")).isEqualTo("task-00");
        assertThatThrownBy(() -> queue.decide("alice", List.of(Decision.label("task-00", "0", 1000L)), ReviewSource.REVIEW_UI))
                .isInstanceOf(TaskHeldException.class);
    }

    @Test
    void skippedTasksComeLastForTheSkipperOnly() {
        assertThat(next("alice")).isEqualTo("task-00");
        queue.skip("alice", "task-00");
        assertThat(next("alice")).isEqualTo("task-01");
        assertThat(next("bob")).isEqualTo("task-00");
    }

    @Test
    void excludedTasksAreNotGiven() {
        assertThat(queue.next("alice", QueueFilter.ALL, Set.of("task-00", "task-01")).orElseThrow().task().getEventId())
                .isEqualTo("task-02");
    }

    @Test
    void filtersByModelVersionTopLabelAndAge() {
        assertThat(queue.depth(new QueueFilter("mnist-ddpm:1.0.0", null, null, null))).isEqualTo(10);
        assertThat(queue.depth(new QueueFilter("2.0.0", null, null, null))).isZero();
        assertThat(queue.next("a", new QueueFilter(null, "7", null, null), Set.of()).orElseThrow().task().getEventId())
                .isEqualTo("task-07");
        // created T0 + i s; now is T0 + 2 h: all are between 1 h and 1 d old
        assertThat(queue.depth(new QueueFilter(null, null, Duration.ofHours(1), Duration.ofDays(1)))).isEqualTo(10);
        assertThat(queue.depth(new QueueFilter(null, null, null, Duration.ofHours(1)))).isZero();
        now = T0.plusSeconds(3605); // tasks 0..5 are now at least 1 h old
        assertThat(queue.depth(new QueueFilter(null, null, Duration.ofHours(1), null))).isEqualTo(6);
    }

    @Test
    void decisionsBecomeRecordsAndLeaveTheQueueOnceCommitted() {
        assertThat(next("alice")).isEqualTo("task-00");
        now = now.plusSeconds(7);
        ReviewQueue.Batch b = queue.decide("alice", List.of(
                Decision.label("task-00", "0", null),
                Decision.label("task-01", "2", 1500L),
                Decision.label("task-02", "a bird", 900L),
                Decision.reject("task-03", RejectionReason.UNUSABLE_IMAGE, 300L)), ReviewSource.REVIEW_UI);
        List<ReviewedLabel> r = b.toPublish().stream().map(DecisionPublisher.Reviewed::label).toList();
        assertThat(r).extracting(ReviewedLabel::getOutcome).containsExactly(ReviewOutcome.CONFIRMED,
                ReviewOutcome.CORRECTED, ReviewOutcome.CORRECTED, ReviewOutcome.REJECTED);
        assertThat(r).extracting(ReviewedLabel::getReviewerId).containsOnly("alice");
        assertThat(r.get(0).getTimeSpentMs()).as("from the lease: shown 7 s before").isEqualTo(7000L);
        assertThat(r.get(1).getLabelTyped()).isFalse();
        assertThat(r.get(2).getLabelTyped()).isTrue();
        assertThat(r.get(3).getRejection()).isEqualTo(RejectionReason.UNUSABLE_IMAGE);
        assertThat(r.get(3).getFinalLabel()).isNull();
        assertThat(r.get(1).getModelTopLabel()).isEqualTo("1");
        assertThat(r.get(1).getPolicyVersion()).isEqualTo("7");

        LabelPosterior human = ReviewRecords.accepted(b.toPublish().get(1).task(), r.get(1)).orElseThrow();
        assertThat(human.getLabelSource()).isEqualTo(LabelSource.HUMAN);
        assertThat(human.getTopLabel()).isEqualTo("2");
        assertThat(human.getReviewerId()).isEqualTo("alice");
        assertThat(human.getDecisionReason()).contains("corrected from 1").contains("alice");
        assertThat(ReviewRecords.accepted(b.toPublish().get(3).task(), r.get(3))).isEmpty();

        queue.committed(b.toPublish());
        assertThat(next("bob")).isEqualTo("task-04");
        assertThat(queue.depth(QueueFilter.ALL)).isEqualTo(6);
        assertThat(queue.decisionsBy("alice")).isEqualTo(4);
        // the same decision again (a retry after a lost answer) is reported, not repeated
        ReviewQueue.Batch again = queue.decide("alice", List.of(Decision.label("task-00", "0", null)), ReviewSource.REVIEW_UI);
        assertThat(again.toPublish()).isEmpty();
        assertThat(again.alreadyReviewed()).containsExactly("task-00");
    }

    @Test
    void refusesDecisionsOnUnknownEventsAndBadDecisions() {
        assertThatThrownBy(() -> queue.decide("alice", List.of(Decision.label("task-99", "1", null)), ReviewSource.REVIEW_UI))
                .isInstanceOf(UnknownTaskException.class).hasMessageContaining("task-99");
        assertThatThrownBy(() -> new Decision("task-01", null, null, null)).isInstanceOf(InvalidDecisionException.class);
        assertThatThrownBy(() -> new Decision("task-01", "  ", null, null)).isInstanceOf(InvalidDecisionException.class);
        assertThatThrownBy(() -> new Decision("task-01", "x".repeat(201), null, null))
                .isInstanceOf(InvalidDecisionException.class);
        assertThatThrownBy(() -> queue.decide("alice", List.of(Decision.label("task-01", "1", null),
                Decision.label("task-01", "2", null)), ReviewSource.REVIEW_UI)).hasMessageContaining("twice");
    }

    @Test
    void aDecisionReadBackFromKafkaHidesTheTaskEvenIfTheStoreStillListsIt() {
        decided.put("task-00", ReviewRecords.reviewed(pending.get("task-00"), Decision.label("task-00", "0", 1L), "bob",
                ReviewSource.LABEL_STUDIO, now));
        ReviewQueue.Batch b = queue.decide("alice", List.of(Decision.label("task-00", "0", null)), ReviewSource.REVIEW_UI);
        assertThat(b.alreadyReviewed()).containsExactly("task-00");
    }
}
