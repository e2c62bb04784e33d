package org.difflabel.replay;

import java.util.Map;
import java.util.TreeMap;

/**
 * The records a bounded re-score processes: per input partition, the offsets {@code [first, last]}
 * (both inclusive; {@code last < first} for a partition with nothing in the window). Resolved once,
 * when the run starts, from the {@code --from}/{@code --to} times: records that arrive later are not
 * the run's business.
 */
public record ReplayWindow(Map<Integer, Bounds> partitions) {

    /** One partition's window. */
    public record Bounds(long first, long last) {
        public boolean contains(long offset) {
            return offset >= first && offset <= last;
        }

        public boolean isEmpty() {
            return last < first;
        }

        /** Offsets in the window (records, when the topic holds no transaction markers). */
        public long size() {
            return Math.max(0, last - first + 1);
        }
    }

    public ReplayWindow {
        partitions = Map.copyOf(new TreeMap<>(partitions));
    }

    public boolean contains(int partition, long offset) {
        Bounds b = partitions.get(partition);
        return b != null && b.contains(offset);
    }

    public long size() {
        return partitions.values().stream().mapToLong(Bounds::size).sum();
    }

    /** Whether a committed offset (the next record to read) means the partition's window is done. */
    public boolean done(int partition, long committed) {
        Bounds b = partitions.get(partition);
        return b == null || b.isEmpty() || committed > b.last();
    }
}
