package dev.usermetrics.functions;

import dev.usermetrics.records.Metrics;

/** Cumulative metrics of one user (state of {@link UserAggregator}), with first/last seen. */
public class UserTotals {
    public Metrics metrics = new Metrics();
    /** Min / max trace time over the user's traces, epoch nanos; null when no traces. */
    public Long firstSeenNanos;
    public Long lastSeenNanos;

    public UserTotals() {}
}
