package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.Metrics;
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
            t = new TraceState();
        } else if (e.isTrace() && t.eventIds.contains(e.eventId)) {
            duplicates.inc();
            return;
        }
        String oldUser = t.emittedUser;
        long oldTraceTime = t.emittedTraceTimeNanos;

        // Merge the observation first, remembering what it contributed before.
        ObservationState obs = null;
        Metrics obsBefore = null;
        long obsTimeBefore = 0;
        if (!e.isTrace()) {
            obs = observations.get(e.observationId);
            if (obs != null && obs.seen(e.eventId)) {
                duplicates.inc();
                return;
            }
            if (obs != null) {
                obsBefore = obs.contribution();
                obsTimeBefore = obs.timeNanos();
            } else {
                obs = new ObservationState();
            }
            obs.apply(e);
            observations.put(e.observationId, obs);
            updateMinObservationTime(t, obsBefore != null ? obsTimeBefore : null, obs.timeNanos());
        }
        t.apply(e);

        String newUser = t.userId;
        long newTraceTime = t.effectiveTimeNanos();
        DeltaBuilder delta = new DeltaBuilder(e.projectId);
        if (!Objects.equals(oldUser, newUser)) {
            if (oldUser != null) {
                userChanges.inc();
                // Retract everything as it was counted: the changed observation at its old value.
                delta.addTrace(oldUser, oldTraceTime, -1);
                for (Map.Entry<String, ObservationState> o : observations.entries()) {
                    if (obs != null && o.getKey().equals(e.observationId)) {
                        if (obsBefore != null) {
                            delta.addObservation(oldUser, obsTimeBefore, obsBefore, -1);
                        }
                    } else {
                        delta.addObservation(oldUser, o.getValue().timeNanos(), o.getValue().contribution(), -1);
                    }
                }
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
            if (obs != null) {
                if (obsBefore != null) {
                    delta.addObservation(newUser, obsTimeBefore, obsBefore, -1);
                }
                delta.addObservation(newUser, obs.timeNanos(), obs.contribution(), +1);
            }
        }
        delta.emit(out);

        t.emittedUser = newUser;
        t.emittedTraceTimeNanos = newUser != null ? newTraceTime : 0;
        trace.update(t);
    }

    /** Keeps TraceState.minObservationTimeNanos equal to the min over all observations' times. */
    private void updateMinObservationTime(TraceState t, Long before, long after) throws Exception {
        Long min = t.minObservationTimeNanos;
        if (min == null || after < min) {
            t.minObservationTimeNanos = after;
        } else if (before != null && before.longValue() == min && after > before) {
            // The earliest observation moved later: rescan (rare: needs a reordered startTime).
            long m = Long.MAX_VALUE;
            for (ObservationState o : observations.values()) {
                m = Math.min(m, o.timeNanos());
            }
            t.minObservationTimeNanos = m;
        }
    }
}
