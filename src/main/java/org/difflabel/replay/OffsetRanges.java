package org.difflabel.replay;

import java.util.ArrayList;
import java.util.List;

/**
 * A set of offsets as sorted, disjoint half-open ranges {@code [from, to)}, encoded as text
 * ({@code "0-40;57-60"}). A re-score keeps one per partition of the offsets it has processed, so
 * a run that re-reads a partition (a restart, a window overlapping an earlier one) skips what is
 * done. Records are processed in offset order, so the set is almost always one range.
 */
final class OffsetRanges {
    private final List<long[]> ranges = new ArrayList<>();

    static OffsetRanges parse(String s) {
        OffsetRanges r = new OffsetRanges();
        if (s != null && !s.isEmpty()) {
            for (String part : s.split(";")) {
                int dash = part.indexOf('-');
                r.ranges.add(new long[]{Long.parseLong(part.substring(0, dash)), Long.parseLong(part.substring(dash + 1))});
            }
        }
        return r;
    }

    boolean contains(long offset) {
        for (long[] r : ranges) {
            if (offset >= r[0] && offset < r[1]) {
                return true;
            }
        }
        return false;
    }

    void add(long offset) {
        if (contains(offset)) {
            return;
        }
        int i = 0;
        while (i < ranges.size() && ranges.get(i)[1] < offset) {
            i++;
        }
        if (i < ranges.size() && ranges.get(i)[1] == offset) {
            ranges.get(i)[1] = offset + 1;
        } else if (i < ranges.size() && ranges.get(i)[0] == offset + 1) {
            ranges.get(i)[0] = offset;
        } else {
            ranges.add(i, new long[]{offset, offset + 1});
        }
        // join with the next range when the gap closed
        if (i + 1 < ranges.size() && ranges.get(i)[1] == ranges.get(i + 1)[0]) {
            ranges.get(i)[1] = ranges.get(i + 1)[1];
            ranges.remove(i + 1);
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (long[] r : ranges) {
            if (!b.isEmpty()) {
                b.append(';');
            }
            b.append(r[0]).append('-').append(r[1]);
        }
        return b.toString();
    }
}
