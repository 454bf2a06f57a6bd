package dev.usermetrics.functions;

import dev.usermetrics.records.Metrics;

/** Cumulative metrics of one user (state of {@link UserAggregator}), with first/last seen. */
public class UserTotals {
    public Metrics metrics = new Metrics();
    /** Min / max trace time over the user's traces, epoch nanos; null when no traces. */
    public Long firstSeenNanos;
    public Long lastSeenNanos;
    /**
     * Min / max time of the settled traces (their trace-stage state expired, so they are counted
     * for good): a rescan of first/last seen starts from these instead of their trace-times entries.
     */
    public Long settledFirstNanos;
    public Long settledLastNanos;
    /** Distinct sessions with a trace of the user (in this environment). */
    public long sessionCount;

    public UserTotals() {}

    void include(long time) {
        firstSeenNanos = firstSeenNanos == null ? time : Math.min(firstSeenNanos, time);
        lastSeenNanos = lastSeenNanos == null ? time : Math.max(lastSeenNanos, time);
    }

    void settle(long time) {
        settledFirstNanos = settledFirstNanos == null ? time : Math.min(settledFirstNanos, time);
        settledLastNanos = settledLastNanos == null ? time : Math.max(settledLastNanos, time);
    }

    /** Starts a rescan of first/last seen: the settled traces always count. */
    void resetSeenToSettled() {
        firstSeenNanos = settledFirstNanos;
        lastSeenNanos = settledLastNanos;
    }

    boolean isExtreme(long time) {
        return Long.valueOf(time).equals(firstSeenNanos) || Long.valueOf(time).equals(lastSeenNanos);
    }
}
