package dev.usermetrics.functions;

import dev.usermetrics.records.Metrics;

/** Cumulative metrics of one user (state of {@link UserAggregator}), with first/last seen. */
public class UserTotals {
    public Metrics metrics = new Metrics();
    /** Min / max trace time over the user's traces, epoch nanos; null when no traces. */
    public Long firstSeenNanos;
    public Long lastSeenNanos;

    public UserTotals() {}

    void include(long time) {
        firstSeenNanos = firstSeenNanos == null ? time : Math.min(firstSeenNanos, time);
        lastSeenNanos = lastSeenNanos == null ? time : Math.max(lastSeenNanos, time);
    }

    boolean isExtreme(long time) {
        return Long.valueOf(time).equals(firstSeenNanos) || Long.valueOf(time).equals(lastSeenNanos);
    }
}
