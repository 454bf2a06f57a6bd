package dev.usermetrics.functions;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * The trace stage's state of the current trace during one key session (the bundle's events of
 * one trace, {@link TraceBundleOperator}; a single event outside a bundle): the trace read once
 * at {@link #begin}, each member read at most once, everything changed written once at
 * {@link #end}. With RocksDB every read is a lookup plus a deserialization and every write a
 * serialization plus a put.
 *
 * <p>It also remembers each changed member's value at the start of the session, so the session
 * can emit one delta for all its events ({@link TraceResolver}). A trace that had no state at
 * the start has no members in state either (they are created and dropped with the trace), so
 * its members are not looked up at all; nor are a trace's observations (scores) while its count
 * of them is zero.
 */
final class TraceStateCache {
    private final ValueState<TraceState> trace;
    private boolean traceDirty;
    private TraceState traceValue;
    private final Members<ObservationState> obs;
    private final Members<ScoreState> sc;
    private boolean session;

    TraceStateCache(ValueState<TraceState> trace, MapState<String, ObservationState> observations,
            MapState<String, ScoreState> scores) {
        this.trace = trace;
        this.obs = new Members<>(observations);
        this.sc = new Members<>(scores);
    }

    /** Starts a session for the current key: reads its trace state. */
    void begin() throws Exception {
        session = true;
        traceDirty = false;
        traceValue = trace.value();
        boolean newTrace = traceValue == null;
        obs.reset(newTrace || (traceValue.observationCountKnown && traceValue.observationCount == 0));
        sc.reset(newTrace || traceValue.scoreCount == 0);
    }

    boolean inSession() {
        return session;
    }

    /** Writes what the session changed, under the current key (still the session's). */
    void end() throws Exception {
        if (traceDirty) {
            trace.update(traceValue);
        }
        obs.write();
        sc.write();
        session = false;
    }

    /** The trace (a new, empty one when it had no state; written only through updateTrace). */
    TraceState trace() {
        if (traceValue == null) {
            traceValue = new TraceState();
            traceValue.observationCountKnown = true;
        }
        return traceValue;
    }

    void updateTrace(TraceState t) {
        traceValue = t;
        traceDirty = true;
    }

    Members<ObservationState> observations() {
        return obs;
    }

    Members<ScoreState> scores() {
        return sc;
    }

    /** Observations or scores of the trace, as the session sees them. */
    static final class Members<V> {
        private final MapState<String, V> state;
        /** Values read or written in this session (null: not in state). */
        private final Map<String, V> values = new HashMap<>();
        /** The members changed in this session, in order, with their value at its start (null: new). */
        private final Map<String, V> atStart = new LinkedHashMap<>();
        private boolean knownEmpty;

        Members(MapState<String, V> state) {
            this.state = state;
        }

        void reset(boolean knownEmpty) {
            values.clear();
            atStart.clear();
            this.knownEmpty = knownEmpty;
        }

        V get(String id) throws Exception {
            V v = values.get(id);
            if (v == null && !values.containsKey(id)) {
                v = knownEmpty ? null : state.get(id);
                values.put(id, v);
            }
            return v;
        }

        void put(String id, V v) throws Exception {
            if (!atStart.containsKey(id)) {
                atStart.put(id, get(id));
            }
            values.put(id, v);
        }

        /** How many members the session changed (or added). */
        int changed() {
            return atStart.size();
        }

        /** Each member the session did not change, from state. */
        void forEachUnchanged(BiConsumer<String, V> action) throws Exception {
            if (knownEmpty) {
                return;
            }
            for (Map.Entry<String, V> e : state.entries()) {
                if (!atStart.containsKey(e.getKey())) {
                    action.accept(e.getKey(), e.getValue());
                }
            }
        }

        /** Each member the session changed: its value at the start (null: new) and now. */
        void forEachChanged(ChangedMember<V> action) {
            atStart.forEach((id, before) -> action.accept(id, before, values.get(id)));
        }

        void write() throws Exception {
            for (String id : atStart.keySet()) {
                state.put(id, values.get(id));
            }
            atStart.clear();
        }
    }

    @FunctionalInterface
    interface ChangedMember<V> {
        void accept(String id, V atStart, V now);
    }
}
