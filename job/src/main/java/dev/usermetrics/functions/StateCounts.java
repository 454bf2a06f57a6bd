package dev.usermetrics.functions;

import org.apache.flink.api.common.state.MapState;

/** Counters kept as MapState entries that exist only while their count is positive. */
final class StateCounts {
    private StateCounts() {}

    /** counts[key] += n; the entry is removed when it reaches 0 (or below). Returns the new count. */
    static long add(MapState<String, Long> counts, String key, long n) throws Exception {
        Long before = counts.get(key);
        long after = (before == null ? 0 : before) + n;
        if (after <= 0) {
            counts.remove(key);
        } else {
            counts.put(key, after);
        }
        return after;
    }
}
