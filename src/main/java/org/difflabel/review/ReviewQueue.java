package org.difflabel.review;

import org.difflabel.contracts.ReviewSource;
import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The reviewers' view of the pending tasks: closest calls first, each shown to one reviewer at a
 * time. A reviewer who is given a task holds it for a lease; an expired lease returns it to the
 * queue. Decisions go through {@link #decide} and {@link DecisionPublisher}; a decision committed
 * here hides its task at once, before the review topology has read it back from
 * {@code labels.reviewed}. Leases live in this process only: run one review instance per queue
 * (README, "Human review").
 */
public final class ReviewQueue {
    /** Closest calls first: the policy's priority, then the smallest margin, then the oldest. */
    static final Comparator<ReviewTask> PRIORITY = Comparator.comparingInt((ReviewTask t) -> -t.getPriority())
            .thenComparingDouble(ReviewTask::getMargin)
            .thenComparing(ReviewTask::getCreatedAt)
            .thenComparing(ReviewTask::getEventId);

    private record Lease(String reviewer, Instant until, Instant since) {
    }

    /** A task given to a reviewer, and since when they have had it (for the decision's time spent). */
    public record Held(ReviewTask task, Instant since) {
    }

    /** What {@link #decide} made of a batch: the records to publish, and the events already decided. */
    public record Batch(List<DecisionPublisher.Reviewed> toPublish, List<String> alreadyReviewed) {
    }

    private final TaskSource source;
    private final Clock clock;
    private final Duration lease;
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<String, Set<String>> skipped = new HashMap<>();
    /** Decisions committed by this instance that the stores may not show yet: event id -> the decision. */
    private final Map<String, ReviewedLabel> committed = new HashMap<>();

    public ReviewQueue(TaskSource source, Clock clock, Duration lease) {
        this.source = source;
        this.clock = clock;
        this.lease = lease;
    }

    public Duration lease() {
        return lease;
    }

    /**
     * The next task for {@code reviewer} in {@code filter}, leased to them: one they already hold
     * first (a reloaded page gets its task back), then the closest call no one else holds; tasks
     * they skipped come last.
     *
     * @param exclude event ids not to give (the page's decisions still inside their undo window)
     */
    public synchronized Optional<Held> next(String reviewer, QueueFilter filter, Collection<String> exclude) {
        Instant now = clock.instant();
        Set<String> mySkips = skipped.getOrDefault(reviewer, Set.of());
        Comparator<ReviewTask> order = Comparator.comparing((ReviewTask t) -> !heldBy(t.getEventId(), reviewer, now))
                .thenComparing(t -> mySkips.contains(t.getEventId()))
                .thenComparing(PRIORITY);
        return available(reviewer, filter, now).stream()
                .filter(t -> !exclude.contains(t.getEventId()))
                .min(order)
                .map(t -> take(t, reviewer, now));
    }

    /** Up to {@code limit} tasks of {@code filter} for the bulk view, all leased to {@code reviewer}. */
    public synchronized List<Held> batch(String reviewer, QueueFilter filter, int limit) {
        Instant now = clock.instant();
        return available(reviewer, filter, now).stream().sorted(PRIORITY).limit(limit)
                .map(t -> take(t, reviewer, now)).toList();
    }

    /** The task {@code eventId} if {@code reviewer} may see it: pending and not held by someone else. */
    public synchronized Optional<ReviewTask> visibleTo(String reviewer, String eventId) {
        Instant now = clock.instant();
        return source.pending(eventId).filter(t -> !committed.containsKey(eventId) && !heldByOther(eventId, reviewer, now));
    }

    /** Gives the task back and puts it after the reviewer's other tasks. */
    public synchronized void skip(String reviewer, String eventId) {
        Lease l = leases.get(eventId);
        if (l != null && l.reviewer().equals(reviewer)) {
            leases.remove(eventId);
        }
        skipped.computeIfAbsent(reviewer, r -> new HashSet<>()).add(eventId);
    }

    /**
     * Checks {@code decisions} against the queue and builds their records. A decision on a task
     * someone else holds, or on an event that is not in the queue and was never decided, is refused
     * (nothing of the batch is kept); one on an event already decided is reported, not repeated.
     */
    public synchronized Batch decide(String reviewer, List<Decision> decisions, ReviewSource origin) {
        Instant now = clock.instant();
        List<DecisionPublisher.Reviewed> out = new ArrayList<>();
        List<String> already = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Decision d : decisions) {
            String id = d.eventId();
            if (!seen.add(id)) {
                throw new InvalidDecisionException("event " + id + " appears twice in one batch");
            }
            if (committed.containsKey(id) || source.decided(id).isPresent()) {
                already.add(id);
                continue;
            }
            ReviewTask task = source.pending(id).orElseThrow(() -> new UnknownTaskException(id));
            if (heldByOther(id, reviewer, now)) {
                throw new TaskHeldException(id);
            }
            Lease l = leases.get(id);
            Decision timed = d.timeSpentMs() != null || l == null || !l.reviewer().equals(reviewer) ? d
                    : new Decision(id, d.label(), d.rejection(), Duration.between(l.since(), now).toMillis());
            out.add(new DecisionPublisher.Reviewed(task, ReviewRecords.reviewed(task, timed, reviewer, origin, now)));
        }
        return new Batch(out, already);
    }

    /** Marks a published batch committed: its tasks leave the queue now, and their leases end. */
    public synchronized void committed(List<DecisionPublisher.Reviewed> batch) {
        for (DecisionPublisher.Reviewed r : batch) {
            committed.put(r.label().getEventId(), r.label());
            leases.remove(r.label().getEventId());
        }
        // the stores have caught up with these: forget them
        committed.keySet().removeIf(id -> source.decided(id).isPresent());
    }

    /** Pending tasks in {@code filter} (held ones included). */
    public synchronized int depth(QueueFilter filter) {
        Instant now = clock.instant();
        return (int) source.pending().stream().filter(t -> !committed.containsKey(t.getEventId()))
                .filter(t -> filter.matches(t, now)).count();
    }

    /** Decisions made by {@code reviewer}. */
    public synchronized int decisionsBy(String reviewer) {
        return (int) decisions().stream().filter(r -> r.getReviewerId().equals(reviewer)).count();
    }

    /** Every pending task (for the filters' choices and the activity page). */
    public synchronized List<ReviewTask> pending() {
        return source.pending().stream().filter(t -> !committed.containsKey(t.getEventId())).toList();
    }

    /** Every decision (the stores' and the ones committed here that they do not show yet). */
    public synchronized List<ReviewedLabel> decisions() {
        Map<String, ReviewedLabel> all = new HashMap<>();
        source.decided().forEach(r -> all.put(r.getEventId(), r));
        all.putAll(committed);
        return List.copyOf(all.values());
    }

    private List<ReviewTask> available(String reviewer, QueueFilter filter, Instant now) {
        leases.values().removeIf(l -> !l.until().isAfter(now));
        return source.pending().stream()
                .filter(t -> !committed.containsKey(t.getEventId()))
                .filter(t -> !heldByOther(t.getEventId(), reviewer, now))
                .filter(t -> filter.matches(t, now))
                .toList();
    }

    private Held take(ReviewTask t, String reviewer, Instant now) {
        Lease old = leases.get(t.getEventId());
        Instant since = old != null && old.reviewer().equals(reviewer) && old.until().isAfter(now) ? old.since() : now;
        leases.put(t.getEventId(), new Lease(reviewer, now.plus(lease), since));
        return new Held(t, since);
    }

    private boolean heldBy(String eventId, String reviewer, Instant now) {
        Lease l = leases.get(eventId);
        return l != null && l.until().isAfter(now) && l.reviewer().equals(reviewer);
    }

    private boolean heldByOther(String eventId, String reviewer, Instant now) {
        Lease l = leases.get(eventId);
        return l != null && l.until().isAfter(now) && !l.reviewer().equals(reviewer);
    }
}
