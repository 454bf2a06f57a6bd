package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Stage 1, keyed by (project, trace): drops duplicate events, merges the trace and its
 * observations field by field in (timestamp, event id) order, resolves the trace's user, and
 * emits the exact signed change of every affected user's metrics.
 *
 * <p>State (no TTL: a trace must be remembered to merge its late events exactly; see
 * docs/design.md):
 * <ul>
 *   <li>{@code trace}: {@link TraceState} — trace time, resolved user, what was emitted, and
 *       the ids of the trace events applied.</li>
 *   <li>{@code observations}: MapState observationId → {@link ObservationState}, including the
 *       ids of the observation's events applied.</li>
 * </ul>
 * Event ids live inside the entity they belong to (usually 1–3 per entity), so deduplication
 * costs no extra state access. A duplicate changes nothing.
 *
 * <p>Invariant: the sum of everything emitted for a trace equals its contribution computed from
 * its current merged state (retract old, add new), so downstream sums equal a batch recomputation.
 */
public class TraceResolver extends KeyedProcessFunction<String, IngestionEvent, Contribution> {

    private transient ValueState<TraceState> trace;
    private transient MapState<String, ObservationState> observations;
    private transient Counter duplicates;
    private transient Counter userChanges;

    @Override
    public void open(OpenContext ctx) {
        trace = getRuntimeContext().getState(
                new ValueStateDescriptor<>("trace", TypeInformation.of(TraceState.class)));
        observations = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "observations", Types.STRING, TypeInformation.of(ObservationState.class)));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateEvents");
        userChanges = getRuntimeContext().getMetricGroup().counter("traceUserChanges");
    }

    @Override
    public void processElement(IngestionEvent e, Context ctx, Collector<Contribution> out) throws Exception {
        TraceState t = trace.value();
        if (t == null) {
            if (e.kind == EntityKind.OBSERVATION_MOVED_AWAY) {
                return;
            }
            t = new TraceState();
        } else if (e.isTrace() && t.eventIds.contains(e.eventId)) {
            duplicates.inc();
            return;
        }
        String oldUser = t.emittedUser;
        long oldTraceTime = t.emittedTraceTimeNanos;

        // The observation this event changes: what it contributed before, and its state after
        // (null when it moved to another trace).
        ObservationState before = null;
        ObservationState after = null;
        if (e.kind == EntityKind.OBSERVATION) {
            ObservationState obs = observations.get(e.observationId);
            if (obs != null && obs.seen(e.eventId)) {
                duplicates.inc();
                return;
            }
            before = obs;
            after = obs != null ? copyOf(obs) : new ObservationState();
            after.apply(e);
            observations.put(e.observationId, after);
            updateMinObservationTime(t, before != null ? before.timeNanos() : null, after.timeNanos());
            t.apply(e);
        } else if (e.kind == EntityKind.OBSERVATION_MOVED_AWAY) {
            before = observations.get(e.observationId);
            if (before == null) {
                return;
            }
            observations.remove(e.observationId);
            if (Long.valueOf(before.timeNanos()).equals(t.minObservationTimeNanos)) {
                rescanMinObservationTime(t);
            }
            if (t.userCameFrom(before)) {
                t.recomputeUser(observations.values());
            }
        } else {
            t.apply(e);
        }

        // A trace whose only observations moved away is gone: it counts for nobody.
        String newUser = t.isEmpty() ? null : t.userId;
        long newTraceTime = newUser != null ? t.effectiveTimeNanos() : 0;
        DeltaBuilder delta = new DeltaBuilder(e.projectId);
        if (!Objects.equals(oldUser, newUser)) {
            if (oldUser != null) {
                userChanges.inc();
                retractAll(delta, oldUser, oldTraceTime, e.observationId, before, after);
            }
            if (newUser != null) {
                delta.addTrace(newUser, newTraceTime, +1);
                for (ObservationState o : observations.values()) {
                    delta.addObservation(newUser, o.timeNanos(), o.contribution(), +1);
                }
            }
        } else if (newUser != null) {
            if (oldTraceTime != newTraceTime) {
                delta.addTrace(newUser, oldTraceTime, -1);
                delta.addTrace(newUser, newTraceTime, +1);
            }
            if (before != null) {
                delta.addObservation(newUser, before.timeNanos(), before.contribution(), -1);
            }
            if (after != null) {
                delta.addObservation(newUser, after.timeNanos(), after.contribution(), +1);
            }
        }
        delta.emit(out);

        if (t.isEmpty()) {
            trace.clear();
            return;
        }
        t.emittedUser = newUser;
        t.emittedTraceTimeNanos = newTraceTime;
        trace.update(t);
    }

    /**
     * Retracts everything the trace contributed to {@code user} as it was counted: the changed
     * observation at its old value (or not at all if it is new), every other one as it is.
     */
    private void retractAll(DeltaBuilder delta, String user, long traceTime, String changedId,
            ObservationState before, ObservationState after) throws Exception {
        delta.addTrace(user, traceTime, -1);
        for (Map.Entry<String, ObservationState> o : observations.entries()) {
            if (after != null && o.getKey().equals(changedId)) {
                continue; // counted below at its old value
            }
            delta.addObservation(user, o.getValue().timeNanos(), o.getValue().contribution(), -1);
        }
        if (before != null) {
            delta.addObservation(user, before.timeNanos(), before.contribution(), -1);
        }
    }

    /** A copy, so that "before" stays as it was under a heap state backend too. */
    private static ObservationState copyOf(ObservationState o) {
        ObservationState c = new ObservationState();
        c.eventIds = new java.util.ArrayList<>(o.eventIds);
        c.userId = o.userId;
        c.userVerTs = o.userVerTs;
        c.userVerId = o.userVerId;
        c.startTimeNanos = o.startTimeNanos;
        c.startVerTs = o.startVerTs;
        c.startVerId = o.startVerId;
        c.minEventTsNanos = o.minEventTsNanos;
        c.usage = o.usage;
        c.usageVerTs = o.usageVerTs;
        c.usageVerId = o.usageVerId;
        c.cost = o.cost;
        c.costVerTs = o.costVerTs;
        c.costVerId = o.costVerId;
        return c;
    }

    /** Keeps TraceState.minObservationTimeNanos equal to the min over all observations' times. */
    private void updateMinObservationTime(TraceState t, Long before, long after) throws Exception {
        Long min = t.minObservationTimeNanos;
        if (min == null || after < min) {
            t.minObservationTimeNanos = after;
        } else if (before != null && before.longValue() == min && after > before) {
            // The earliest observation moved later: rescan (rare: needs a reordered startTime).
            rescanMinObservationTime(t);
        }
    }

    private void rescanMinObservationTime(TraceState t) throws Exception {
        Long m = null;
        for (ObservationState o : observations.values()) {
            m = m == null ? o.timeNanos() : Math.min(m, o.timeNanos());
        }
        t.minObservationTimeNanos = m;
    }
}
