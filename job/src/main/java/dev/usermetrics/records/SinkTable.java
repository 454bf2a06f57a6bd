package dev.usermetrics.records;

/** The tables a MetricsRow is written to. */
public enum SinkTable {
    /** Per user, all time, all environments. */
    USER_METRICS,
    /** Per user and environment, all time. */
    USER_METRICS_ENV,
    USER_METRICS_HOURLY,
    USER_METRICS_DAILY,
    USER_MODEL_METRICS_DAILY,
    USER_SCORES,
    /** Users per project, over all environments and per environment. */
    PROJECT_USERS,
    /** Per user, environment ("" = all) and trailing window (24h, 7d, 30d, 90d); last: enum order is on the wire and in state. */
    USER_METRICS_WINDOWS,
    /** One row per trace counted for a user (the user page's traces); written by the trace stage. */
    USER_TRACES,
    /** One row per score of such a trace (the user page's scores); written by the trace stage. */
    USER_TRACE_SCORES,
    /** One row per budget alert (a crossing, firing or resolved); written by the budget stage, never deleted. */
    USER_BUDGET_ALERTS;

    /** Rows of one trace or score, keyed by it (not by their user: a trace's row moves with it). */
    public boolean perEntity() {
        return this == USER_TRACES || this == USER_TRACE_SCORES;
    }
}
