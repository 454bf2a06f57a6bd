package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.wire.WireType;
import org.apache.flink.util.OutputTag;

/**
 * The trace stage's rows of the user page's lists: one {@code user_traces} row per trace and one
 * {@code user_trace_scores} row per score of it, written while the trace counts for a user (with
 * that user and the trace's environment) and deleted (a row with no user) when it stops. Keyed by
 * the trace (and score), so a trace that changes user moves its rows with one upsert each.
 */
final class TraceRows {
    /** The rows, on a side output of the trace stage (folded per key, written on checkpoint). */
    static final OutputTag<MetricsRow> ROWS = new OutputTag<>("trace-rows", WireType.METRICS_ROW);

    private TraceRows() {}

    /** The trace's row: counted for {@code user} (null: delete it) in {@code env}. */
    static MetricsRow trace(String projectId, String traceId, TraceState t, String user, String env, String session, long timeNanos) {
        MetricsRow r = row(SinkTable.USER_TRACES, projectId, traceId, user, env);
        if (user != null) {
            r.name = t.name.value;
            r.sessionId = session;
            r.timeNanos = timeNanos;
            r.totals = t.totals;
        }
        return r;
    }

    /** A score's row: counted for {@code user} (null: delete it) in {@code env}. */
    static MetricsRow score(String projectId, String traceId, String scoreId, ScoreState s, String user, String env) {
        MetricsRow r = row(SinkTable.USER_TRACE_SCORES, projectId, traceId, user, env);
        r.scoreId = scoreId;
        if (user != null) {
            r.name = s.name;
            r.scoreDataType = s.dataType;
            r.scoreValue = s.value;
            r.scoreLabel = s.label;
            r.timeNanos = s.timeNanos();
        }
        return r;
    }

    private static MetricsRow row(SinkTable table, String projectId, String traceId, String user, String env) {
        MetricsRow r = new MetricsRow();
        r.table = table;
        r.projectId = projectId;
        r.traceId = traceId;
        r.userId = user;
        r.environment = user != null ? env : null;
        return r;
    }
}
