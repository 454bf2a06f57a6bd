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
    USER_METRICS_WINDOWS
}
