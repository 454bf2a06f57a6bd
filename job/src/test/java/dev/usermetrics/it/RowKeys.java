package dev.usermetrics.it;

import java.time.Instant;

/**
 * The primary keys of the sink tables' rows, as the ITs compare them: {@link ReferenceModel}
 * keys the expected rows by them and {@link SinkTables} the rows read back.
 */
final class RowKeys {
    private RowKeys() {}

    /** A user_metrics row. */
    record UserKey(String project, String user) {}

    /** A user_metrics_env row. */
    record EnvKey(String project, String user, String env) {}

    /** A user_metrics_hourly or user_metrics_daily row (start: the hour's or day's start). */
    record BucketKey(String project, String user, String env, Instant start) {}

    /** A user_model_metrics_daily row ("" when the observation has no usable model). */
    record ModelKey(String project, String user, String env, Instant day, String model) {}

    /** A user_scores row. */
    record ScoreKey(String project, String user, String name, String type) {}

    /** A user_traces row. */
    record TraceKey(String project, String trace) {}

    /** A user_trace_scores row. */
    record TraceScoreKey(String project, String trace, String score) {}
}
