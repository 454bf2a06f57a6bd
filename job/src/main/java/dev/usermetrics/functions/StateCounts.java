package dev.usermetrics.functions;

import org.apache.flink.api.common.state.MapState;

/** Counters kept as MapState entries that exist only while their count is positive. */
final class StateCounts {
    private StateCounts() {}

    /** Told when a counter's entry appears or goes (an index over the present keys). */
    interface Presence {
        void changed(boolean present) throws Exception;
    }

    /** counts[key] += n; the entry is removed when it reaches 0 (or below). Returns the new count. */
    static long add(MapState<String, Long> counts, String key, long n) throws Exception {
        return add(counts, key, n, null);
    }

    /** As {@link #add(MapState, String, long)}; presence (if not null) hears of the entry appearing or going. */
    static long add(MapState<String, Long> counts, String key, long n, Presence presence) throws Exception {
        Long before = counts.get(key);
        long after = (before == null ? 0 : before) + n;
        if (after <= 0) {
            counts.remove(key);
        } else {
            counts.put(key, after);
        }
        if (presence != null && (before != null) != (after > 0)) {
            presence.changed(after > 0);
        }
        return after;
    }
}
