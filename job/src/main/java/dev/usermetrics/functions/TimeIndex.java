package dev.usermetrics.functions;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.LongPrimitiveArraySerializer;

/**
 * Ordered sets of times in one MapState of the current key, so that the minimum or maximum of a
 * set is found in 8 point reads however large the set is. It backs the user stage's first/last
 * seen and last_score_at when the extreme goes away (a trace moves to another user, a score's
 * time changes): without it that costs a scan of all the user's open trace times or score times,
 * so for a user with a million open traces one small record would cost a million state reads.
 *
 * <p>Each set is a bitmap trie over the 64 bits of the time, 8 bits per level: a node at level d
 * (0 = root, 7 = last) is the set of next bytes present under its prefix, a 256-bit map
 * ({@code long[4]}); a node exists exactly while some time has its prefix. Adding a time sets its
 * bit at level 7 and walks up only while nodes are new; removing clears bits while nodes become
 * empty: typically one or two state writes. The sets hold distinct times: the counts stay in the
 * caller's counter map, which tells the index when a time appears or goes.
 *
 * <p>Sets, by kind: per environment (the trace times in it) and over all environments (with
 * a count per time of the environments that hold it, {@code [count]}), and per score key. A user
 * gets its index lazily, built by the first rescan that finds more than {@link #BUILD_THRESHOLD}
 * entries (a scan the user stage paid for anyway, and one the inserts that made the entries paid
 * for: amortized O(1) per insert); from then on the caller keeps it up to date. A small user is
 * never indexed: its rescans cost at most the threshold. The built flag goes with the last
 * entry, so a user whose traces all moved away leaves no state.
 */
final class TimeIndex {
    /** Rescans that see more entries than this build the user's index. */
    static final int BUILD_THRESHOLD = 256;

    static final String TRACES = "t";
    static final String SCORES = "s";
    private static final String ALL_ENVIRONMENTS = "";
    private static final long[] FLAG = new long[0];

    private final MapState<String, long[]> entries;

    TimeIndex(MapState<String, long[]> entries) {
        this.entries = entries;
    }

    static MapStateDescriptor<String, long[]> descriptor() {
        return new MapStateDescriptor<>("time-index", StringSerializer.INSTANCE, LongPrimitiveArraySerializer.INSTANCE);
    }

    /** Whether the current key's sets of this kind are built and kept up to date. */
    boolean isBuilt(String kind) throws Exception {
        return entries.contains("built/" + kind);
    }

    void markBuilt(String kind) throws Exception {
        entries.put("built/" + kind, FLAG);
    }

    /** Forgets that the sets of this kind are built (call when their counter map became empty: all sets are). */
    void unbuild(String kind) throws Exception {
        entries.remove("built/" + kind);
    }

    /** A trace time appeared in an environment (its counter went from absent to present). */
    void addTraceTime(String env, long time) throws Exception {
        add(TRACES, env, time);
        String key = "n/" + time;
        long[] n = entries.get(key);
        if (n == null) {
            entries.put(key, new long[] {1});
            add(TRACES, ALL_ENVIRONMENTS, time);
        } else {
            entries.put(key, new long[] {n[0] + 1});
        }
    }

    /**
     * A trace time went from an environment (its counter went from present to absent). When it
     * was the user's last open trace time the index is forgotten with it (built again if needed).
     */
    void removeTraceTime(String env, long time) throws Exception {
        remove(TRACES, env, time);
        String key = "n/" + time;
        long[] n = entries.get(key);
        if (n == null || n[0] <= 1) {
            entries.remove(key);
            if (remove(TRACES, ALL_ENVIRONMENTS, time)) {
                unbuild(TRACES);
            }
        } else {
            entries.put(key, new long[] {n[0] - 1});
        }
    }

    Long minTraceTime(String env) throws Exception {
        return extreme(TRACES, env, false);
    }

    Long maxTraceTime(String env) throws Exception {
        return extreme(TRACES, env, true);
    }

    Long minTraceTimeAll() throws Exception {
        return extreme(TRACES, ALL_ENVIRONMENTS, false);
    }

    Long maxTraceTimeAll() throws Exception {
        return extreme(TRACES, ALL_ENVIRONMENTS, true);
    }

    void addScoreTime(String scoreKey, long time) throws Exception {
        add(SCORES, scoreKey, time);
    }

    /** Returns whether the score key's set became empty. */
    boolean removeScoreTime(String scoreKey, long time) throws Exception {
        return remove(SCORES, scoreKey, time);
    }

    Long maxScoreTime(String scoreKey) throws Exception {
        return extreme(SCORES, scoreKey, true);
    }

    // The trie. u = time with its sign bit flipped: unsigned order of u is the order of the times.

    private static String node(String kind, String set, int level, long prefix) {
        // The set's length first: environments and score keys may contain any separator.
        return kind + set.length() + ":" + set + ":" + level + ":" + Long.toHexString(prefix);
    }

    private static long prefix(long u, int level) {
        return level == 0 ? 0 : u >>> (64 - 8 * level);
    }

    private static int digit(long u, int level) {
        return (int) (u >>> (56 - 8 * level)) & 0xFF;
    }

    private void add(String kind, String set, long time) throws Exception {
        long u = time ^ Long.MIN_VALUE;
        for (int level = 7; level >= 0; level--) {
            String key = node(kind, set, level, prefix(u, level));
            long[] bits = entries.get(key);
            boolean isNew = bits == null;
            bits = isNew ? new long[4] : bits.clone();
            int d = digit(u, level);
            bits[d >>> 6] |= 1L << (d & 63);
            entries.put(key, bits);
            if (!isNew) {
                return; // its ancestors already lead here
            }
        }
    }

    /** Removes the time; returns whether the set became empty. */
    private boolean remove(String kind, String set, long time) throws Exception {
        long u = time ^ Long.MIN_VALUE;
        for (int level = 7; level >= 0; level--) {
            String key = node(kind, set, level, prefix(u, level));
            long[] bits = entries.get(key);
            if (bits == null) {
                return false; // not in the set
            }
            bits = bits.clone();
            int d = digit(u, level);
            bits[d >>> 6] &= ~(1L << (d & 63));
            if ((bits[0] | bits[1] | bits[2] | bits[3]) != 0) {
                entries.put(key, bits);
                return false;
            }
            entries.remove(key); // the node is empty: clear its bit in the parent
        }
        return true; // the root went
    }

    private Long extreme(String kind, String set, boolean max) throws Exception {
        long prefix = 0;
        for (int level = 0; level < 8; level++) {
            long[] bits = entries.get(node(kind, set, level, prefix));
            if (bits == null) {
                return null; // only the root can be missing: the set is empty
            }
            prefix = (prefix << 8) | (max ? highest(bits) : lowest(bits));
        }
        return prefix ^ Long.MIN_VALUE;
    }

    private static int highest(long[] bits) {
        for (int w = 3; w >= 0; w--) {
            if (bits[w] != 0) {
                return w * 64 + 63 - Long.numberOfLeadingZeros(bits[w]);
            }
        }
        throw new IllegalStateException("empty trie node");
    }

    private static int lowest(long[] bits) {
        for (int w = 0; w < 4; w++) {
            if (bits[w] != 0) {
                return w * 64 + Long.numberOfTrailingZeros(bits[w]);
            }
        }
        throw new IllegalStateException("empty trie node");
    }
}
