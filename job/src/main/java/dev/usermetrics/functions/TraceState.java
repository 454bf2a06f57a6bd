package dev.usermetrics.functions;

import dev.usermetrics.records.RowTotals;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.validation.EnvironmentRules;
import java.util.ArrayList;
import java.util.List;

/**
 * The merged state of one trace (state of {@link TraceResolver}, one per (project, trace)):
 * its timestamp, its resolved user and environment, and what has been emitted for it so far.
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
    public Lww user = new Lww();
    /** The valid sessionId, same rule as user (null: the trace is in no session). */
    public Lww session = new Lww();
    /** The trace's name: the valid name of the latest-ordered trace event that carried one (null: unnamed). */
    public Lww name = new Lww();
    /** The environment, same rule as user ("default" when no event carried one). */
    public Lww environment = new Lww();
    /** Min of the observations' times: the trace's time when no trace event was seen. */
    public Long minObservationTimeNanos;
    /** Number of scores the trace holds (they keep it alive but do not make it a trace). */
    public int scoreCount;
    /**
     * Number of observations the trace holds, valid when observationCountKnown (false for a trace
     * restored from a savepoint taken before this field existed). Lets the trace stage count a
     * new trace without iterating its observations: a RocksDB map iteration is a seek over every
     * level of the state, and did that for every new trace (most of the stage's time once state
     * outgrew memory).
     */
    public int observationCount;
    public boolean observationCountKnown;
    /** The user the trace's contributions are currently counted for (null: none). */
    public String emittedUser;
    /** The environment they are counted in (valid when emittedUser != null). */
    public String emittedEnvironment;
    /** The session it is counted in (valid when emittedUser != null; null: none). */
    public String emittedSession;
    /** The trace time its trace count was emitted at (valid when emittedUser != null). */
    public long emittedTraceTimeNanos;
    /**
     * What is counted for the trace (its {@code user_traces} row): the sum of every contribution
     * emitted for it, so traces = 1 while it counts for a user. Valid when totalsKnown (false for a
     * trace restored from state written before trace rows existed: recomputed from its members).
     */
    public RowTotals totals = new RowTotals();
    public boolean totalsKnown = true;
    /**
     * Its observations per (UTC day, model) ({@link ModelDays#key}): where the trace counts in
     * {@code user_model_metrics_daily.trace_count}. Usually one or two entries. Valid when
     * modelDaysKnown (false for state written before they were kept: recounted at the next event).
     */
    public java.util.Map<String, Integer> modelDays = new java.util.HashMap<>(2);
    public boolean modelDaysKnown = true;
    /** Data time (epoch millis, DataClock) at which the trace's state is dropped; 0: never (IdleExpiry). */
    public long expiresAtMillis;

    public TraceState() {}

    /** Merges the trace-level facts of a trace or observation event of this trace. */
    public void apply(IngestionEvent e) {
        long ts = e.timestampNanos;
        String id = e.eventId;
        user.offer(e.userId, ts, id);
        session.offer(e.sessionId, ts, id);
        environment.offer(e.environment, ts, id);
        if (e.isTrace()) {
            name.offer(e.traceName, ts, id);
            EventIds.remember(eventIds, e.eventId);
            minTraceEventTsNanos = minTraceEventTsNanos == null ? ts : Math.min(minTraceEventTsNanos, ts);
            if (e.bodyTimeNanos != null
                    && (bodyTimeVerId == null || Versions.compare(ts, id, bodyTimeVerTs, bodyTimeVerId) < 0)) {
                bodyTimeNanos = e.bodyTimeNanos;
                bodyTimeVerTs = ts;
                bodyTimeVerId = id;
            }
        }
    }

    /** The user the trace counts for, or null (also when nothing of it is left). */
    public String resolvedUser() {
        return onlyScores() ? null : user.value;
    }

    /** The session the trace counts in, or null. */
    public String resolvedSession() {
        return session.value;
    }

    public String resolvedEnvironment() {
        return environment.value != null ? environment.value : EnvironmentRules.DEFAULT;
    }

    /** True when the trace is only held for its scores: it has no trace event or observation. */
    public boolean onlyScores() {
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
