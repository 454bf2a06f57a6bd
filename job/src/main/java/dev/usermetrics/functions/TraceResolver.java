package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.pricing.PriceBook;
import dev.usermetrics.pricing.PriceSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1, keyed by (project, trace): drops duplicate events, merges the trace, its
 * observations and its scores field by field in (timestamp, event id) order, resolves the
 * trace's user and environment, and emits the exact signed change of every affected
 * (user, environment, hour).
 *
 * <p>State, all of it dropped together once the trace has had no event for the trace TTL
 * ({@link IdleExpiry}; default 7 days, see docs/design.md). What it counted stays counted: the
 * expiry emits a settle record so the user stage can forget the trace's times too; an event of
 * the trace arriving later starts it afresh (counted as a new trace).
 * <ul>
 *   <li>{@code trace}: {@link TraceState} — trace time, resolved user and environment, what was
 *       emitted, and the ids of the trace events applied.</li>
 *   <li>{@code observations}: MapState observationId → {@link ObservationState}, including the
 *       ids of the observation's events applied.</li>
 *   <li>{@code scores}: MapState scoreId → {@link ScoreState}, the same for scores.</li>
 * </ul>
 * Event ids live inside the entity they belong to (usually 1–3 per entity), so deduplication
 * costs no extra state access. A duplicate changes nothing.
 *
 * <p>Cost from model prices: the second input is the broadcast {@link PriceSnapshot} (every model
 * price definition, polled from Postgres). The broadcast state {@link #PRICES} keeps the snapshot
 * the observations in state were priced with (checkpointed, so a restored job prices as before).
 * Each observation is priced when an event changes it ({@link ObservationState#price}); a snapshot
 * with new content re-prices every observation this subtask holds and emits the exact difference
 * for those whose cost changed. Re-pricing reaches as far back as the trace state does (the trace
 * TTL); older contributions keep the cost they were counted with (docs/operations.md: backfill).
 *
 * <p>Invariant: the sum of everything emitted for a trace equals its contribution computed from
 * its current merged state (retract old, add new), so downstream sums equal a batch recomputation.
 */
public class TraceResolver extends KeyedBroadcastProcessFunction<String, IngestionEvent, PriceSnapshot, Contribution> {
    private static final Logger LOG = LoggerFactory.getLogger(TraceResolver.class);

    /** Broadcast state: {@link #CURRENT} → the snapshot of model prices in use. */
    public static final MapStateDescriptor<String, PriceSnapshot> PRICES = new MapStateDescriptor<>(
            "model-prices", Types.STRING, TypeInformation.of(PriceSnapshot.class));
    static final String CURRENT = "current";
    /** Per-model metrics of unpriced observations: at most this many model names per subtask, then "other". */
    static final int UNPRICED_MODEL_METRICS = 100;

    private final IdleExpiry expiry;
    private transient ValueState<TraceState> trace;
    private transient MapState<String, ObservationState> observations;
    private transient MapState<String, ScoreState> scores;
    private transient TraceStateCache cache;
    private transient Counter duplicates;
    private transient Counter userChanges;
    private transient Counter expired;
    private transient Counter repriced;
    private transient Map<String, Counter> unpricedByModel;
    /** The compiled book of the current snapshot (compiled once per snapshot). */
    private transient PriceBook book;
    private transient String bookFingerprint;

    /** Trace state is kept forever. */
    public TraceResolver() {
        this(IdleExpiry.never());
    }

    public TraceResolver(IdleExpiry expiry) {
        this.expiry = expiry;
    }

    @Override
    public void open(OpenContext ctx) {
        trace = getRuntimeContext().getState(
                new ValueStateDescriptor<>("trace", TypeInformation.of(TraceState.class)));
        observations = getRuntimeContext().getMapState(observationsDescriptor());
        scores = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "scores", Types.STRING, TypeInformation.of(ScoreState.class)));
        cache = new TraceStateCache(trace, observations, scores);
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateEvents");
        userChanges = getRuntimeContext().getMetricGroup().counter("traceUserChanges");
        expired = getRuntimeContext().getMetricGroup().counter("tracesExpired");
        repriced = getRuntimeContext().getMetricGroup().counter("observationsRepriced");
        unpricedByModel = new HashMap<>();
        book = PriceBook.EMPTY;
        bookFingerprint = null;
    }

    /**
     * The bundle operator ({@link TraceBundleOperator}) hands this stage all buffered events of one
     * trace in a row: between {@code beginKey} and {@code endKey} the trace's state is read once
     * and written once (see {@link TraceStateCache}). Outside a key session every access goes
     * straight to state.
     */
    void beginKey() {
        cache.begin();
    }

    void endKey() throws Exception {
        cache.end();
    }

    /** The book of the snapshot in broadcast state (none yet: nothing is priced). */
    private PriceBook book(ReadOnlyBroadcastState<String, PriceSnapshot> prices) throws Exception {
        PriceSnapshot s = prices.get(CURRENT);
        if (s == null) {
            return PriceBook.EMPTY;
        }
        if (!s.fingerprint.equals(bookFingerprint)) {
            book = s.book();
            bookFingerprint = s.fingerprint;
        }
        return book;
    }

    /**
     * New model prices: when their content differs from the snapshot in use, every observation
     * held is priced again and the difference emitted (retract what was counted, add the new).
     */
    @Override
    public void processBroadcastElement(PriceSnapshot s, Context ctx, Collector<Contribution> out) throws Exception {
        BroadcastState<String, PriceSnapshot> prices = ctx.getBroadcastState(PRICES);
        PriceSnapshot current = prices.get(CURRENT);
        // No snapshot yet: state restored from a version that did not price may hold observations
        // never priced (an empty book makes them unpriced), so that case re-prices too.
        if (current != null && current.fingerprint.equals(s.fingerprint)) {
            return;
        }
        prices.put(CURRENT, s);
        PriceBook newBook = book(prices);
        long startNanos = System.nanoTime();
        long[] counts = new long[3]; // traces, observations, re-priced
        ctx.applyToKeyedState(observationsDescriptor(),
                (key, obs) -> counts[2] += reprice(Keys.projectOf(key), newBook, obs, out, counts));
        repriced.inc(counts[2]);
        LOG.info("Model prices {} {}: re-priced {} of {} observations in {} traces held in state, in {} ms",
                current == null ? "loaded:" : "changed from " + current + " to", s, counts[2], counts[1], counts[0],
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** Re-prices the observations of the current key's trace; returns how many changed. */
    private long reprice(String projectId, PriceBook book, MapState<String, ObservationState> obs,
            Collector<Contribution> out, long[] counts) throws Exception {
        TraceState t = trace.value();
        if (t == null) {
            return 0;
        }
        counts[0]++;
        List<Map.Entry<String, ObservationState>> changed = new ArrayList<>();
        // The project is part of the key (Keys.of): nothing in state needs to remember it.
        DeltaBuilder delta = new DeltaBuilder(projectId);
        for (Map.Entry<String, ObservationState> o : obs.entries()) {
            counts[1]++;
            ObservationState before = o.getValue();
            ObservationState after = before.copy();
            if (after.price(book, projectId)) {
                changed.add(Map.entry(o.getKey(), after));
                countUnpriced(before, after);
                if (t.emittedUser != null) {
                    before.addTo(delta, t.emittedUser, t.emittedEnvironment, -1);
                    after.addTo(delta, t.emittedUser, t.emittedEnvironment, +1);
                }
            }
        }
        // Written after the iteration: a RocksDB map iterator must not see its map change.
        for (Map.Entry<String, ObservationState> c : changed) {
            obs.put(c.getKey(), c.getValue());
        }
        delta.emit(out);
        return changed.size();
    }

    /** Counts an observation that became unpriced, per model name (a Flink metric; see UNPRICED_MODEL_METRICS). */
    private void countUnpriced(ObservationState before, ObservationState after) {
        if (!after.unpriced || (before != null && before.unpriced)) {
            return;
        }
        String model = after.model.value;
        Counter c = unpricedByModel.get(model);
        if (c == null) {
            String name = unpricedByModel.size() < UNPRICED_MODEL_METRICS ? model : "other";
            c = unpricedByModel.computeIfAbsent(name, n -> getRuntimeContext().getMetricGroup()
                    .addGroup("unpricedModel", n.length() > 100 ? n.substring(0, 100) : n).counter("unpricedObservations"));
        }
        c.inc();
    }

    private static MapStateDescriptor<String, ObservationState> observationsDescriptor() {
        return new MapStateDescriptor<>("observations", Types.STRING, TypeInformation.of(ObservationState.class));
    }

    /** The member an event changed: what it contributed before (null: new) and after (null: gone). */
    private record Change(String id, boolean isScore, TraceMember before, TraceMember after) {}

    @Override
    public void processElement(IngestionEvent e, ReadOnlyContext ctx, Collector<Contribution> out) throws Exception {
        TraceState t = cache.trace();
        if (t == null) {
            t = new TraceState();
            t.observationCountKnown = true;
        } else if (e.isTrace() && t.eventIds.contains(e.eventId)) {
            duplicates.inc();
            return;
        }
        String oldUser = t.emittedUser;
        String oldEnv = t.emittedEnvironment;
        long oldTraceTime = t.emittedTraceTimeNanos;

        Change change = switch (e.kind) {
            case TRACE -> {
                t.apply(e);
                yield null;
            }
            case OBSERVATION -> applyObservation(t, e, book(ctx.getBroadcastState(PRICES)));
            case SCORE -> applyScore(t, e);
        };
        if (change != null && change.before == null && change.after == null) {
            return; // a duplicate
        }

        String newUser = t.resolvedUser();
        String newEnv = newUser != null ? t.resolvedEnvironment() : null;
        long newTraceTime = newUser != null ? t.effectiveTimeNanos() : 0;
        DeltaBuilder delta = new DeltaBuilder(e.projectId);
        if (!Objects.equals(oldUser, newUser) || !Objects.equals(oldEnv, newEnv)) {
            if (oldUser != null && !oldUser.equals(newUser)) {
                userChanges.inc();
            }
            recount(delta, t, new Counted(oldUser, oldEnv, oldTraceTime), new Counted(newUser, newEnv, newTraceTime), change);
        } else if (newUser != null) {
            if (oldTraceTime != newTraceTime) {
                delta.addTrace(newUser, newEnv, oldTraceTime, -1);
                delta.addTrace(newUser, newEnv, newTraceTime, +1);
            }
            if (change != null && change.before != null) {
                change.before.addTo(delta, newUser, newEnv, -1);
            }
            if (change != null && change.after != null) {
                change.after.addTo(delta, newUser, newEnv, +1);
            }
        }
        delta.emit(out);

        if (t.isEmpty()) {
            cache.clearTrace();
            return;
        }
        t.emittedUser = newUser;
        t.emittedEnvironment = newEnv;
        t.emittedTraceTimeNanos = newTraceTime;
        t.expiresAtMillis = expiry.touch(ctx.timerService(), t.expiresAtMillis);
        cache.updateTrace(t);
    }

    /**
     * The trace has been idle for the TTL: its contributions stay counted; the user stage is told
     * which trace and score times are now final, and the trace's state goes.
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Contribution> out) throws Exception {
        TraceState t = trace.value();
        if (t == null || !IdleExpiry.isDue(timestamp, t.expiresAtMillis)) {
            return;
        }
        if (t.emittedUser != null) {
            DeltaBuilder settle = new DeltaBuilder(Keys.projectOf(ctx.getCurrentKey()));
            settle.settleTrace(t.emittedUser, t.emittedEnvironment, t.emittedTraceTimeNanos);
            if (t.scoreCount > 0) {
                for (ScoreState s : scores.values()) {
                    s.settleTo(settle, t.emittedUser, t.emittedEnvironment);
                }
            }
            settle.emit(out);
        }
        trace.clear();
        observations.clear();
        scores.clear();
        expired.inc();
    }

    private Change applyObservation(TraceState t, IngestionEvent e, PriceBook book) throws Exception {
        ObservationState before = cache.observation(e.observationId);
        if (before != null && before.seen(e.eventId)) {
            duplicates.inc();
            return new Change(e.observationId, false, null, null);
        }
        ObservationState after = before != null ? before.copy() : new ObservationState();
        after.apply(e);
        after.price(book, e.projectId);
        countUnpriced(before, after);
        cache.putObservation(e.observationId, after);
        if (before == null) {
            t.observationCount++;
        }
        updateMinObservationTime(t, before != null ? before.timeNanos() : null, after.timeNanos());
        t.apply(e);
        return new Change(e.observationId, false, before, after);
    }

    private Change applyScore(TraceState t, IngestionEvent e) throws Exception {
        ScoreState before = cache.score(e.scoreId);
        if (before != null && before.seen(e.eventId)) {
            duplicates.inc();
            return new Change(e.scoreId, true, null, null);
        }
        ScoreState after = before != null ? before.copy() : new ScoreState();
        after.apply(e);
        cache.putScore(e.scoreId, after);
        if (before == null) {
            t.scoreCount++;
        }
        return new Change(e.scoreId, true, before, after);
    }

    /** Where a trace's contributions are counted: user (null: nowhere), environment, trace time. */
    private record Counted(String user, String env, long traceTime) {
        void add(DeltaBuilder delta, TraceMember m, int sign) {
            if (user != null) {
                m.addTo(delta, user, env, sign);
            }
        }
    }

    /**
     * Moves everything the trace contributes from {@code from} to {@code to} (its user or
     * environment changed; either side may be nowhere) in one pass over its members: every
     * unchanged member as it is; the changed one retracted at its old value and added at its new.
     * A trace whose only member is the changed one (every new trace) is not iterated at all: a
     * RocksDB map iteration is a seek through every level of the state, the stage's largest cost
     * once state outgrows memory.
     */
    private void recount(DeltaBuilder delta, TraceState t, Counted from, Counted to, Change change) throws Exception {
        if (from.user != null) {
            delta.addTrace(from.user, from.env, from.traceTime, -1);
        }
        if (to.user != null) {
            delta.addTrace(to.user, to.env, to.traceTime, +1);
        }
        String changedObs = change != null && !change.isScore && change.after != null ? change.id : null;
        if (!(t.observationCountKnown && t.observationCount == (changedObs != null ? 1 : 0))) {
            for (Map.Entry<String, ObservationState> o : cache.observations()) {
                if (!o.getKey().equals(changedObs)) {
                    from.add(delta, o.getValue(), -1);
                    to.add(delta, o.getValue(), +1);
                }
            }
        }
        String changedScore = change != null && change.isScore && change.after != null ? change.id : null;
        if (t.scoreCount > (changedScore != null ? 1 : 0)) {
            for (Map.Entry<String, ScoreState> s : cache.scores()) {
                if (!s.getKey().equals(changedScore)) {
                    from.add(delta, s.getValue(), -1);
                    to.add(delta, s.getValue(), +1);
                }
            }
        }
        if (change != null && change.before != null) {
            from.add(delta, change.before, -1);
        }
        if (change != null && change.after != null) {
            to.add(delta, change.after, +1);
        }
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
        for (Map.Entry<String, ObservationState> o : cache.observations()) {
            m = m == null ? o.getValue().timeNanos() : Math.min(m, o.getValue().timeNanos());
        }
        t.minObservationTimeNanos = m;
    }
}
