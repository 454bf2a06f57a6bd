package dev.usermetrics.functions;

import dev.usermetrics.records.IngestionEvent;

/**
 * The merged state of one trace (state of {@link TraceResolver}, one per (project, trace)):
 * its timestamp, its resolved user, and what has been emitted for it so far.
 */
public class TraceState {
    /** Trace timestamp from the earliest-ordered trace event (body.timestamp, else envelope). */
    public Long traceTimeNanos;
    public long traceTimeVerTs;
    public String traceTimeVerId;
    /** The valid userId of the latest-ordered event (trace or observation) that carried one. */
    public String userId;
    public long userVerTs;
    public String userVerId;
    /** Min of the observations' times: the trace's time when no trace event was seen. */
    public Long minObservationTimeNanos;
    /** The user the trace's contributions are currently counted for (null: none). */
    public String emittedUser;
    /** The trace time its trace count was emitted at (valid when emittedUser != null). */
    public long emittedTraceTimeNanos;

    public TraceState() {}

    /** Merges the trace-level facts of any event of this trace. */
    public void apply(IngestionEvent e) {
        long ts = e.timestampNanos;
        String id = e.eventId;
        if (e.userId != null && (userVerId == null || Versions.compare(ts, id, userVerTs, userVerId) > 0)) {
            userId = e.userId;
            userVerTs = ts;
            userVerId = id;
        }
        if (e.isTrace() && (traceTimeVerId == null || Versions.compare(ts, id, traceTimeVerTs, traceTimeVerId) < 0)) {
            traceTimeNanos = e.bodyTimeNanos != null ? e.bodyTimeNanos : ts;
            traceTimeVerTs = ts;
            traceTimeVerId = id;
        }
    }

    /** The time that places the trace in a bucket; null only before any event. */
    public Long effectiveTimeNanos() {
        return traceTimeNanos != null ? traceTimeNanos : minObservationTimeNanos;
    }
}
