package org.difflabel.replay;

import java.util.concurrent.atomic.AtomicLong;

/** What this process's share of a re-score did, for the progress line and the summary. */
public final class ReplayProgress {
    final AtomicLong labelled = new AtomicLong();
    final AtomicLong alreadyDone = new AtomicLong();
    final AtomicLong outsideWindow = new AtomicLong();

    /** Records this process passed to the classifier. */
    public long labelled() {
        return labelled.get();
    }

    /** Records skipped because an earlier run (or this one, before a restart) had processed them. */
    public long alreadyDone() {
        return alreadyDone.get();
    }

    /** Records read but outside the window (after its end). */
    public long outsideWindow() {
        return outsideWindow.get();
    }
}
