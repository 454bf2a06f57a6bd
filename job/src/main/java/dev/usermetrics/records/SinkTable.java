package dev.usermetrics.records;

/** The metric tables a MetricsRow is written to. */
public enum SinkTable {
    USER_METRICS,
    USER_METRICS_HOURLY,
    USER_METRICS_DAILY
}
