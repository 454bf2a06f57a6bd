package dev.usermetrics.functions;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * The trace stage's state of the current trace, read once and written once per key session
 * (the bundle's events of one trace, {@link TraceBundleOperator}) instead of once per event: with
 * RocksDB every read is a lookup plus a deserialization and every write a serialization plus a
 * put. Outside a session every call goes straight to state (the plain function, harness tests).
 *
 * <p>Iterating the observations or scores (a user change recounts the whole trace) first writes
 * the pending ones, so the iteration sees exactly what the cache holds. Values handed out are
 * the cached objects; callers replace them (copy, change, put), as they did with state.
 */
final class TraceStateCache {
    private final ValueState<TraceState> trace;

    private boolean session;
    private boolean traceLoaded;
    private boolean traceDirty;
    private TraceState traceValue;
    private final Members<ObservationState> obs;
    private final Members<ScoreState> sc;

    TraceStateCache(ValueState<TraceState> trace, MapState<String, ObservationState> observations,
            MapState<String, ScoreState> scores) {
        this.trace = trace;
        this.obs = new Members<>(observations);
        this.sc = new Members<>(scores);
    }

    /** Starts a session for the current key (nothing of it is cached yet). */
    void begin() {
        session = true;
        traceLoaded = false;
        traceDirty = false;
        traceValue = null;
        obs.reset();
        sc.reset();
    }

    /** Writes what the session changed, under the current key (still the session's). */
    void end() throws Exception {
        if (traceDirty) {
            if (traceValue == null) {
                trace.clear();
            } else {
                trace.update(traceValue);
            }
        }
        obs.write();
        sc.write();
        session = false;
    }

    TraceState trace() throws Exception {
        if (!session) {
            return trace.value();
        }
        if (!traceLoaded) {
            traceValue = trace.value();
            traceLoaded = true;
        }
        return traceValue;
    }

    void updateTrace(TraceState t) throws Exception {
        if (!session) {
            trace.update(t);
            return;
        }
        traceValue = t;
        traceLoaded = true;
        traceDirty = true;
    }

    void clearTrace() {
        if (!session) {
            trace.clear();
            return;
        }
        traceValue = null;
        traceLoaded = true;
        traceDirty = true;
    }

    ObservationState observation(String id) throws Exception {
        return obs.get(session, id);
    }

    void putObservation(String id, ObservationState o) throws Exception {
        obs.put(session, id, o);
    }

    Iterable<Map.Entry<String, ObservationState>> observations() throws Exception {
        return obs.entries(session);
    }

    ScoreState score(String id) throws Exception {
        return sc.get(session, id);
    }

    void putScore(String id, ScoreState s) throws Exception {
        sc.put(session, id, s);
    }

    Iterable<Map.Entry<String, ScoreState>> scores() throws Exception {
        return sc.entries(session);
    }

    /** Members (observations or scores) of the trace: in a session, read once and written at its end. */
    private static final class Members<V> {
        private final MapState<String, V> state;
        private final Map<String, V> values = new HashMap<>();
        private final Set<String> dirty = new HashSet<>();

        Members(MapState<String, V> state) {
            this.state = state;
        }

        void reset() {
            values.clear();
            dirty.clear();
        }

        V get(boolean session, String id) throws Exception {
            if (!session) {
                return state.get(id);
            }
            if (values.containsKey(id)) {
                return values.get(id);
            }
            V v = state.get(id);
            values.put(id, v);
            return v;
        }

        void put(boolean session, String id, V v) throws Exception {
            if (!session) {
                state.put(id, v);
                return;
            }
            values.put(id, v);
            dirty.add(id);
        }

        /** Every member, after writing the pending ones (so the iteration sees what the cache holds). */
        Iterable<Map.Entry<String, V>> entries(boolean session) throws Exception {
            if (session) {
                write();
            }
            return state.entries();
        }

        void write() throws Exception {
            for (String id : dirty) {
                state.put(id, values.get(id));
            }
            dirty.clear();
        }
    }
}
