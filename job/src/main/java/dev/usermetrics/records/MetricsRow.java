package dev.usermetrics.records;

/**
 * The absolute value of one sink row (never an increment), as the user stage last computed it.
 * Which fields are set depends on the table (see {@link SinkTable}).
 */
public class MetricsRow {
    public SinkTable table;
    public String projectId;
    public String userId;
    /** All tables but USER_METRICS and USER_SCORES. */
    public String environment;
    /** Bucket start, epoch millis (hourly, daily, model daily); 0 otherwise. */
    public long bucketStartMillis;
    /**
     * USER_MODEL_METRICS_DAILY: the model ("" = none); USER_SCORES: ScoreDelta.key(name, type);
     * USER_METRICS_WINDOWS: the window ("24h", "7d", "30d", "90d").
     */
    public String subKey;
    /** USER_METRICS, USER_METRICS_ENV, hourly, daily, windows. */
    public Metrics metrics;
    /** USER_MODEL_METRICS_DAILY. */
    public ModelMetrics modelMetrics;
    /** USER_SCORES. */
    public ScoreTotals score;
    /** PROJECT_USERS: the number of users (environment null: all environments). */
    public long userCount;
    /** USER_METRICS(_ENV) only: min/max trace time, epoch nanos; null when the user has no traces. */
    public Long firstSeenNanos;
    public Long lastSeenNanos;
    /** USER_METRICS, USER_METRICS_ENV: distinct sessions with a trace of the user. */
    public long sessionCount;

    public MetricsRow() {}

    /** Identity of the row in its table: the coalescing key. */
    public RowKey key() {
        return new RowKey(table, projectId, userId, environment, bucketStartMillis, subKey);
    }

    /**
     * True when the row has nothing to count and is deleted from its table: in SQL terms, when
     * its count columns are all 0 — trace_count, observation_count and score_count (the metric
     * tables, {@link Metrics#isEmpty}), observation_count (model rows, {@link ModelMetrics#isEmpty}),
     * score_count (score rows, {@link ScoreTotals#isEmpty}), user_count (project_users).
     * TableLayoutTest checks this against the columns the writer fills.
     */
    public boolean isDelete() {
        return switch (table) {
            case USER_MODEL_METRICS_DAILY -> modelMetrics.isEmpty();
            case USER_SCORES -> score.isEmpty();
            case PROJECT_USERS -> userCount == 0;
            default -> metrics.isEmpty();
        };
    }

    public record RowKey(SinkTable table, String projectId, String userId, String environment,
            long bucketStartMillis, String subKey) {}

    @Override
    public String toString() {
        Object value = metrics != null ? metrics : modelMetrics != null ? modelMetrics : score != null ? score : "users=" + userCount;
        return table + "{" + projectId + "/" + userId + "/" + environment + " @" + bucketStartMillis
                + (subKey != null ? " [" + subKey + "]" : "") + " " + value
                + ", first=" + firstSeenNanos + ", last=" + lastSeenNanos + ", sessions=" + sessionCount + "}";
    }
}
