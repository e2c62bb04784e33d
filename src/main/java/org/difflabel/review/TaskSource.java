package org.difflabel.review;

import org.difflabel.contracts.ReviewTask;
import org.difflabel.contracts.ReviewedLabel;

import java.util.List;
import java.util.Optional;

/** Where the queue reads pending tasks and past decisions from: the review topology's stores, or a fixture in tests. */
public interface TaskSource {
    /** Every pending task (on labels.review, no decision on labels.reviewed yet). */
    List<ReviewTask> pending();

    Optional<ReviewTask> pending(String eventId);

    /** The newest decision on {@code eventId}, if any. */
    Optional<ReviewedLabel> decided(String eventId);

    /** Every event's newest decision. */
    List<ReviewedLabel> decided();
}
