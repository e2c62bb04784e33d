package org.difflabel.review;

import org.difflabel.contracts.ReviewOutcome;
import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the activity page shows: throughput, agreement between reviewers and the model per label,
 * and the queue's age. Only people's decisions count (review UI and Label Studio), not dataset labels.
 */
public record ReviewActivity(int decisionsLastHour, int decisionsLast24h, List<Reviewer> reviewers, List<LabelAgreement> labels,
                             int pending, Duration oldest, Duration medianAge, List<Bucket> ages) {
    /** One reviewer's decisions in the last hour and day, and the median time they spent on one. */
    public record Reviewer(String name, int lastHour, int last24h, int total, Long medianMs) {
    }

    /** For the tasks the model labelled {@code label}: how reviewers decided. */
    public record LabelAgreement(String label, int reviewed, int confirmed, int corrected, int rejected) {
        public double agreement() {
            return reviewed == 0 ? 0 : (double) confirmed / reviewed;
        }
    }

    /** Pending tasks per age bucket. */
    public record Bucket(String name, int tasks) {
    }

    public static ReviewActivity of(List<ReviewTask> pending, List<ReviewedLabel> decisions, Instant now) {
        List<ReviewedLabel> human = decisions.stream().filter(r -> r.getSource() == ReviewSource.REVIEW_UI
                || r.getSource() == ReviewSource.LABEL_STUDIO).toList();
        Instant hourAgo = now.minus(Duration.ofHours(1));
        Instant dayAgo = now.minus(Duration.ofDays(1));
        Map<String, List<ReviewedLabel>> byReviewer = human.stream().collect(Collectors.groupingBy(
                r -> r.getReviewerId(), TreeMap::new, Collectors.toList()));
        List<Reviewer> reviewers = new ArrayList<>();
        byReviewer.forEach((name, rs) -> reviewers.add(new Reviewer(name, count(rs, hourAgo), count(rs, dayAgo), rs.size(),
                median(rs.stream().map(ReviewedLabel::getTimeSpentMs).filter(t -> t != null).toList()))));
        Map<String, List<ReviewedLabel>> byLabel = human.stream().filter(r -> r.getModelTopLabel() != null)
                .collect(Collectors.groupingBy(ReviewedLabel::getModelTopLabel, TreeMap::new, Collectors.toList()));
        List<LabelAgreement> labels = new ArrayList<>();
        byLabel.forEach((label, rs) -> labels.add(new LabelAgreement(label, rs.size(), outcome(rs, ReviewOutcome.CONFIRMED),
                outcome(rs, ReviewOutcome.CORRECTED), outcome(rs, ReviewOutcome.REJECTED))));
        List<Duration> ages = pending.stream().map(t -> Duration.between(t.getCreatedAt(), now))
                .sorted(Comparator.naturalOrder()).toList();
        Function<Duration, String> bucket = a -> a.compareTo(Duration.ofHours(1)) < 0 ? "under 1 hour"
                : a.compareTo(Duration.ofDays(1)) < 0 ? "1 hour to 1 day" : "over 1 day";
        Map<String, Long> perBucket = ages.stream().collect(Collectors.groupingBy(bucket, Collectors.counting()));
        List<Bucket> buckets = List.of("under 1 hour", "1 hour to 1 day", "over 1 day").stream()
                .map(b -> new Bucket(b, perBucket.getOrDefault(b, 0L).intValue())).toList();
        return new ReviewActivity(count(human, hourAgo), count(human, dayAgo), reviewers, labels, pending.size(),
                ages.isEmpty() ? Duration.ZERO : ages.get(ages.size() - 1),
                ages.isEmpty() ? Duration.ZERO : ages.get(ages.size() / 2), buckets);
    }

    private static int count(List<ReviewedLabel> rs, Instant since) {
        return (int) rs.stream().filter(r -> !r.getReviewedAt().isBefore(since)).count();
    }

    private static int outcome(List<ReviewedLabel> rs, ReviewOutcome o) {
        return (int) rs.stream().filter(r -> r.getOutcome() == o).count();
    }

    private static Long median(List<Long> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
