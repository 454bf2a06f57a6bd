package dev.usermetrics.records;

/** The absolute value of one sink row (never an increment), as the user stage last computed it. */
public class MetricsRow {
    public SinkTable table;
    public String projectId;
    public String userId;
    /** Bucket start, epoch millis; 0 for USER_METRICS. */
    public long bucketStartMillis;
    public Metrics metrics;
    /** USER_METRICS only: min/max trace time, epoch nanos; null when the user has no traces. */
    public Long firstSeenNanos;
    public Long lastSeenNanos;

    public MetricsRow() {}

    /** Identity of the row in its table: the coalescing key. */
    public RowKey key() {
        return new RowKey(table, projectId, userId, bucketStartMillis);
    }

    /** True when the row has nothing to count and is deleted from its table. */
    public boolean isDelete() {
        return metrics.isEmpty();
    }

    public record RowKey(SinkTable table, String projectId, String userId, long bucketStartMillis) {}

    @Override
    public String toString() {
        return table + "{" + projectId + "/" + userId + " @" + bucketStartMillis + " " + metrics
                + ", first=" + firstSeenNanos + ", last=" + lastSeenNanos + "}";
    }
}
