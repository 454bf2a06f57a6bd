package dev.usermetrics.records;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's signed long arithmetic on sums and counters, in one place. Two operations, with
 * deliberately different overflow behaviour (each as it always was):
 * <ul>
 *   <li>{@link #plus}: sums of token usage (usage values per key, total tokens, input/output
 *       tokens), which saturate at the long range and log an error instead of throwing or
 *       wrapping;</li>
 *   <li>{@link #add}: counters kept in maps (observations per usage or cost key, scores per label,
 *       traces or scores per exact time), whose entry goes when the count reaches 0. Plain long
 *       addition: they count events, which cannot come near 2^63.</li>
 * </ul>
 */
public final class Counts {
    private static final Logger LOG = LoggerFactory.getLogger(Counts.class);
    private static final AtomicLong OVERFLOWS = new AtomicLong();

    private Counts() {}

    /**
     * a + b, saturating at the long range instead of throwing: input validation keeps every
     * event's usage at most 2^53, so only an absurd number of absurd events can get here, and the
     * job must not crash-loop on input. Logged (at 1, 2, 4, 8, … occurrences).
     */
    public static long plus(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            long n = OVERFLOWS.incrementAndGet();
            if (Long.bitCount(n) == 1) {
                LOG.error("token sum overflowed 64 bits ({} times so far); the value saturates and is no longer exact", n);
            }
            return a > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return r;
    }

    /**
     * counts[k] += n; the key leaves the map when its count is 0 (a negative count stays: a
     * signed delta may retract more than it adds). Returns the new count.
     */
    public static <K> long add(Map<K, Long> counts, K k, long n) {
        long v = counts.getOrDefault(k, 0L) + n;
        if (v == 0) {
            counts.remove(k);
        } else {
            counts.put(k, v);
        }
        return v;
    }
}
