package dev.usermetrics.functions;

import dev.usermetrics.records.IngestionEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The merged state of one trace (state of {@link TraceResolver}, one per (project, trace)):
 * its timestamp, its resolved user, and what has been emitted for it so far.
 */
public class TraceState {
    /** Ids of the trace-level events (trace-create) applied: a duplicate changes nothing. */
    public List<String> eventIds = new ArrayList<>();
    /** body.timestamp of the earliest-ordered trace event that carried one ("first value"). */
    public Long bodyTimeNanos;
    public long bodyTimeVerTs;
    public String bodyTimeVerId;
    /** Earliest envelope timestamp of the trace events: the trace time when no body.timestamp. */
    public Long minTraceEventTsNanos;
    /** The valid userId of the latest-ordered event (trace or observation) that carried one. */
    public String userId;
    public long userVerTs;
    public String userVerId;
    /** The same over the trace events only (to recompute userId when an observation leaves). */
    public String traceUserId;
    public long traceUserVerTs;
    public String traceUserVerId;
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
        if (e.isTrace()) {
            eventIds.add(e.eventId);
            if (e.userId != null && (traceUserVerId == null || Versions.compare(ts, id, traceUserVerTs, traceUserVerId) > 0)) {
                traceUserId = e.userId;
                traceUserVerTs = ts;
                traceUserVerId = id;
            }
            minTraceEventTsNanos = minTraceEventTsNanos == null ? ts : Math.min(minTraceEventTsNanos, ts);
            if (e.bodyTimeNanos != null
                    && (bodyTimeVerId == null || Versions.compare(ts, id, bodyTimeVerTs, bodyTimeVerId) < 0)) {
                bodyTimeNanos = e.bodyTimeNanos;
                bodyTimeVerTs = ts;
                bodyTimeVerId = id;
            }
        }
    }

    /** True when the user came from this observation's events. */
    public boolean userCameFrom(ObservationState o) {
        return userVerId != null && userVerId.equals(o.userVerId) && userVerTs == o.userVerTs;
    }

    /** Recomputes the user from the trace events and the given observations. */
    public void recomputeUser(Iterable<ObservationState> observations) {
        userId = traceUserId;
        userVerTs = traceUserVerTs;
        userVerId = traceUserVerId;
        for (ObservationState o : observations) {
            if (o.userVerId != null && (userVerId == null || Versions.compare(o.userVerTs, o.userVerId, userVerTs, userVerId) > 0)) {
                userId = o.userId;
                userVerTs = o.userVerTs;
                userVerId = o.userVerId;
            }
        }
    }

    /** True when nothing of the trace is left (its only observations moved to other traces). */
    public boolean isEmpty() {
        return eventIds.isEmpty() && minObservationTimeNanos == null;
    }

    /** The time that places the trace in a bucket; null only before any event. */
    public Long effectiveTimeNanos() {
        if (bodyTimeNanos != null) {
            return bodyTimeNanos;
        }
        return minTraceEventTsNanos != null ? minTraceEventTsNanos : minObservationTimeNanos;
    }
}
