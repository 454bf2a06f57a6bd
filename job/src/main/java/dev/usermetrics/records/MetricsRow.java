package dev.usermetrics.records;

import dev.usermetrics.budgets.BudgetAlert;

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
    /** USER_TRACES, USER_TRACE_SCORES: the trace (userId null: the row is deleted, the trace counts for no user). */
    public String traceId;
    /** USER_TRACE_SCORES: the score. */
    public String scoreId;
    /** USER_TRACES: the trace's name; USER_TRACE_SCORES: the score's name (null: none). */
    public String name;
    /** USER_TRACES: the trace's session (null: none). */
    public String sessionId;
    /** USER_TRACES: the trace time; USER_TRACE_SCORES: the score time (epoch nanos). */
    public long timeNanos;
    /** USER_TRACES: what the trace counts (observations, scores, tokens, cost). */
    public RowTotals totals;
    /** USER_TRACE_SCORES: data type, value (NUMERIC, BOOLEAN) and string value (BOOLEAN, CATEGORICAL). */
    public ScoreDataType scoreDataType;
    public java.math.BigDecimal scoreValue;
    public String scoreLabel;
    /** USER_BUDGET_ALERTS: the alert. */
    public BudgetAlert alert;

    public MetricsRow() {}

    /** The row of a budget alert. */
    public static MetricsRow of(BudgetAlert a) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_BUDGET_ALERTS;
        r.projectId = a.projectId;
        r.userId = a.userId;
        r.alert = a;
        return r;
    }

    /** Identity of the row in its table: the coalescing key. */
    public RowKey key() {
        if (table == SinkTable.USER_BUDGET_ALERTS) {
            return new RowKey(table, projectId, null, null, 0, alert.alertId);
        }
        if (table.perEntity()) {
            // U+0000 never occurs in an id (TextRules): the pair is unambiguous.
            return new RowKey(table, projectId, null, null, 0, scoreId == null ? traceId : traceId + '\u0000' + scoreId);
        }
        return new RowKey(table, projectId, userId, environment, bucketStartMillis, subKey);
    }

    /**
     * True when the row has nothing to count and is deleted from its table: in SQL terms, when
     * its count columns are all 0 — trace_count, observation_count and score_count (the metric
     * tables, {@link Metrics#isEmpty}), observation_count (model rows, {@link ModelMetrics#isEmpty}),
     * score_count (score rows, {@link ScoreTotals#isEmpty}), user_count (project_users); a trace
     * or score row when it counts for no user (user_id NULL).
     * TableLayoutTest checks this against the columns the writer fills.
     */
    public boolean isDelete() {
        return switch (table) {
            case USER_TRACES, USER_TRACE_SCORES -> userId == null;
            case USER_BUDGET_ALERTS -> false;
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
        if (alert != null) {
            return table + "{" + alert + "}";
        }
        if (table.perEntity()) {
            return table + "{" + projectId + "/" + traceId + (scoreId != null ? "/" + scoreId : "") + " user=" + userId
                    + " env=" + environment + " name=" + name + " session=" + sessionId + " @" + timeNanos
                    + (totals != null ? " " + totals : "") + (scoreDataType != null ? " " + scoreDataType + " " + scoreValue + " " + scoreLabel : "")
                    + "}";
        }
        Object value = metrics != null ? metrics : modelMetrics != null ? modelMetrics : score != null ? score : "users=" + userCount;
        return table + "{" + projectId + "/" + userId + "/" + environment + " @" + bucketStartMillis
                + (subKey != null ? " [" + subKey + "]" : "") + " " + value
                + ", first=" + firstSeenNanos + ", last=" + lastSeenNanos + ", sessions=" + sessionCount + "}";
    }
}
