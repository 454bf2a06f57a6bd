package dev.usermetrics.functions;

import dev.usermetrics.functions.state.ObservationStateSerializer;
import dev.usermetrics.functions.state.ScoreStateSerializer;
import dev.usermetrics.functions.state.TraceStateSerializer;
import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.RowTotals;
import dev.usermetrics.pricing.PriceBook;
import dev.usermetrics.pricing.PriceSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1, keyed by (project, trace): drops duplicate events, merges the trace, its
 * observations and its scores field by field in (timestamp, event id) order, resolves the
 * trace's user and environment, and emits the exact signed change of every affected
 * (user, environment, hour).
 *
 * <p>State, all of it dropped together once the trace has had no event for the trace TTL in data
 * time ({@link IdleExpiry}, {@link DataClock}; default 7 days, see docs/design.md). What it counted stays counted: the
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
    /** The user page's list rows ({@link TraceRows}). */
    public static final OutputTag<MetricsRow> ROWS = TraceRows.ROWS;
    /** Per-model metrics of unpriced observations: at most this many model names per subtask, then "other". */
    static final int UNPRICED_MODEL_METRICS = 100;

    private final IdleExpiry expiry;
    private transient ValueState<TraceState> trace;
    private transient MapState<String, ObservationState> observations;
    private transient MapState<String, ScoreState> scores;
    private transient TraceStateCache cache;
    /** The current key session's output and context (set by its events, see beginKey). */
    private transient Collector<Contribution> sessionOut;
    private transient ReadOnlyContext sessionCtx;
    /** Some event of the current session was applied (not a duplicate). */
    private transient boolean sessionChanged;
    /** The latest data time of the session's applied events (MIN_VALUE: none had one). */
    private transient long sessionTimeMillis;
    private transient Counter duplicates;
    private transient Counter userChanges;
    private transient Counter expired;
    private transient Counter repriced;
    private transient Map<String, Counter> unpricedByModel;
    /** Where list rows go when the bundle operator runs this stage (its sessions end after the element's context). */
    private transient Consumer<MetricsRow> rows;
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
        trace = getRuntimeContext().getState(traceDescriptor());
        observations = getRuntimeContext().getMapState(observationsDescriptor());
        scores = getRuntimeContext().getMapState(scoresDescriptor());
        cache = new TraceStateCache(trace, observations, scores);
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateEvents");
        userChanges = getRuntimeContext().getMetricGroup().counter("traceUserChanges");
        expired = getRuntimeContext().getMetricGroup().counter("tracesExpired");
        repriced = getRuntimeContext().getMetricGroup().counter("observationsRepriced");
        unpricedByModel = new HashMap<>();
        book = PriceBook.EMPTY;
        bookFingerprint = null;
    }

    /** The bundle operator's side output for {@link #ROWS} (null: the element context's). */
    void emitRowsTo(Consumer<MetricsRow> rows) {
        this.rows = rows;
    }

    /** A list row of the current session, to the bundle operator's side output (else the element's context's). */
    private void emitRow(MetricsRow row) {
        if (rows != null) {
            rows.accept(row);
        } else {
            sessionCtx.output(ROWS, row);
        }
    }

    /**
     * The bundle operator ({@link TraceBundleOperator}) hands this stage all buffered events of one
     * trace in a row, between {@code beginKey} and {@code endKey}: the trace's state is read once
     * and written once ({@link TraceStateCache}), and what the events changed is emitted once, at
     * {@code endKey}, as one delta (a late user moves the trace once, not per event). An event
     * outside such a session is a session of its own.
     */
    void beginKey() throws Exception {
        cache.begin();
        sessionOut = null;
        sessionChanged = false;
        sessionTimeMillis = Long.MIN_VALUE;
    }

    void endKey() throws Exception {
        if (sessionChanged) {
            emitSession();
        }
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
                (key, obs) -> counts[2] += reprice(key, newBook, obs, ctx, out, counts));
        repriced.inc(counts[2]);
        LOG.info("Model prices {} {}: re-priced {} of {} observations in {} traces held in state, in {} ms",
                current == null ? "loaded:" : "changed from " + current + " to", s, counts[2], counts[1], counts[0],
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** Re-prices the observations of the current key's trace; returns how many changed. */
    private long reprice(String key, PriceBook book, MapState<String, ObservationState> obs,
            Context ctx, Collector<Contribution> out, long[] counts) throws Exception {
        String projectId = Keys.projectOf(key);
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
        // A trace whose totals are not known yet (older state) gets its row at its next event.
        if (t.emittedUser != null && !changed.isEmpty() && t.totalsKnown) {
            delta.addTo(t.totals);
            trace.update(t);
            MetricsRow row = TraceRows.trace(projectId, Keys.idOf(key), t, t.emittedUser, t.emittedEnvironment,
                    t.emittedSession, t.emittedTraceTimeNanos);
            if (rows != null) {
                rows.accept(row); // the bundle operator's side output, as for sessions
            } else {
                ctx.output(ROWS, row);
            }
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

    /*
     * The trace stage's keyed state, written by the compact serializers (docs/design.md, "State";
     * a savepoint of the POJO-serialized layout v3 migrates on restore). The names are the state's
     * identity in savepoints.
     */
    static ValueStateDescriptor<TraceState> traceDescriptor() {
        return new ValueStateDescriptor<>("trace", new TraceStateSerializer());
    }

    static MapStateDescriptor<String, ObservationState> observationsDescriptor() {
        return new MapStateDescriptor<>("observations", StringSerializer.INSTANCE, new ObservationStateSerializer());
    }

    static MapStateDescriptor<String, ScoreState> scoresDescriptor() {
        return new MapStateDescriptor<>("scores", StringSerializer.INSTANCE, new ScoreStateSerializer());
    }

    @Override
    public void processElement(IngestionEvent e, ReadOnlyContext ctx, Collector<Contribution> out) throws Exception {
        boolean own = !cache.inSession();
        if (own) {
            beginKey();
        }
        if (apply(e, ctx)) {
            sessionChanged = true;
            Long time = ctx.timestamp();
            if (time != null) {
                sessionTimeMillis = Math.max(sessionTimeMillis, time);
            }
        }
        // The operator's context and collector, the same objects for every element: endKey
        // emits through them while the key is still this trace's.
        sessionCtx = ctx;
        sessionOut = out;
        if (own) {
            endKey();
        }
    }

    /**
     * Merges one event into the session's state; false for a duplicate, which changes nothing
     * (a session of duplicates only writes nothing and does not extend the trace's TTL).
     */
    private boolean apply(IngestionEvent e, ReadOnlyContext ctx) throws Exception {
        TraceState t = cache.trace();
        return switch (e.kind) {
            case TRACE -> {
                if (t.eventIds.contains(e.eventId)) {
                    duplicates.inc();
                    yield false;
                }
                t.apply(e);
                yield true;
            }
            case OBSERVATION -> applyObservation(t, e, book(ctx.getBroadcastState(PRICES)));
            case SCORE -> applyScore(t, e);
        };
    }

    /**
     * Emits what the session changed: the trace moves from where it was counted (user,
     * environment, trace time at the session's start) to where it counts now, each changed
     * member from its value at the start to its value now. Members the session did not change
     * are read (one pass over state) only when the trace moved to another user or environment.
     */
    private void emitSession() throws Exception {
        TraceState t = cache.trace(); // not empty: the session applied an event
        Counted from = new Counted(t.emittedUser, t.emittedEnvironment, t.emittedTraceTimeNanos, t.emittedSession);
        String newUser = t.resolvedUser();
        Counted to = new Counted(newUser, newUser != null ? t.resolvedEnvironment() : null,
                newUser != null ? t.effectiveTimeNanos() : 0, newUser != null ? t.resolvedSession() : null);
        boolean moved = !Objects.equals(from.user, to.user) || !Objects.equals(from.env, to.env);
        if (moved && from.user != null && !from.user.equals(to.user)) {
            userChanges.inc();
        }
        // The project is part of the key (Keys.of), as in onTimer.
        DeltaBuilder delta = new DeltaBuilder(Keys.projectOf(sessionCtx.getCurrentKey()));
        if (moved || from.traceTime != to.traceTime) {
            from.addTrace(delta, -1);
            to.addTrace(delta, +1);
        }
        if (moved || from.traceTime != to.traceTime || !Objects.equals(from.session, to.session)) {
            from.addSessionTrace(delta, -1);
            to.addSessionTrace(delta, +1);
        }
        String projectId = Keys.projectOf(sessionCtx.getCurrentKey());
        String traceId = Keys.idOf(sessionCtx.getCurrentKey());
        ModelDays modelDays = new ModelDays(t);
        boolean recountModelDays = !t.modelDaysKnown;
        boolean allObservationsChanged = t.observationCountKnown && t.observationCount == cache.observations().changed();
        if ((moved || recountModelDays) && !allObservationsChanged) {
            cache.observations().forEachUnchanged((id, o) -> {
                if (moved) {
                    from.move(delta, o, to);
                }
                modelDays.unchanged(o, recountModelDays);
            });
        }
        if (moved) {
            if (t.scoreCount > cache.scores().changed()) {
                cache.scores().forEachUnchanged((id, s) -> {
                    from.move(delta, s, to);
                    // The score's row moves with its trace (or goes when the trace counts for no one).
                    emitRow(TraceRows.score(projectId, traceId, id, s, to.user, to.env));
                });
            }
        }
        cache.observations().forEachChanged((id, before, now) -> {
            from.change(delta, before, to, now);
            modelDays.changed(before, now, recountModelDays);
        });
        modelDays.emit(delta, from.user, from.env, to.user, to.env, moved);
        t.modelDays = modelDays.counts();
        t.modelDaysKnown = true;
        cache.scores().forEachChanged((id, before, now) -> {
            from.change(delta, before, to, now);
            if (to.user != null || (from.user != null && before != null)) {
                emitRow(TraceRows.score(projectId, traceId, id, now, to.user, to.env));
            }
        });
        if (t.totalsKnown) {
            delta.addTo(t.totals);
        } else {
            recountTotals(t, to);
        }
        delta.emit(sessionOut);
        if (to.user != null || from.user != null) {
            emitRow(TraceRows.trace(projectId, traceId, t, to.user, to.env, to.session, to.traceTime));
        }

        t.emittedUser = to.user;
        t.emittedEnvironment = to.env;
        t.emittedTraceTimeNanos = to.traceTime;
        t.emittedSession = to.session;
        t.expiresAtMillis = expiry.touch(sessionCtx.timerService(), t.expiresAtMillis, activityMillis());
        cache.updateTrace(t);
    }

    /**
     * Totals of a trace restored from state written before they were kept: what is counted for it
     * now, summed over all its members once (afterwards they follow the emitted changes).
     */
    private void recountTotals(TraceState t, Counted to) throws Exception {
        RowTotals totals = new RowTotals();
        if (to.user != null) {
            DeltaBuilder all = new DeltaBuilder("");
            to.addTrace(all, +1);
            cache.observations().forEachUnchanged((id, o) -> o.addTo(all, to.user, to.env, +1));
            cache.observations().forEachChanged((id, before, now) -> now.addTo(all, to.user, to.env, +1));
            cache.scores().forEachUnchanged((id, sc) -> sc.addTo(all, to.user, to.env, +1));
            cache.scores().forEachChanged((id, before, now) -> now.addTo(all, to.user, to.env, +1));
            all.addTo(totals);
        }
        t.totals = totals;
        t.totalsKnown = true;
    }

    /**
     * The session's data time: its events' latest, or the clock if that is later (an event older
     * than what was read before it is activity now). Without any data time (a source without
     * timestamps, as in some tests) processing time stands in.
     */
    private long activityMillis() {
        TimerService timers = sessionCtx.timerService();
        long time = Math.max(sessionTimeMillis, timers.currentWatermark());
        return time == Long.MIN_VALUE ? timers.currentProcessingTime() : time;
    }

    /**
     * The trace has been idle for the TTL: its contributions stay counted; the user stage is told
     * which trace and score times are now final, and the trace's state goes.
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Contribution> out) throws Exception {
        TraceState t = trace.value();
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            // Registered by a version whose TTL ran on processing time (state restored from it):
            // the expiry it was for is now decided by the data clock.
            if (t != null && t.expiresAtMillis > 0) {
                ctx.timerService().registerEventTimeTimer(t.expiresAtMillis);
            }
            return;
        }
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

    private boolean applyObservation(TraceState t, IngestionEvent e, PriceBook book) throws Exception {
        ObservationState before = cache.observations().get(e.observationId);
        if (before != null && before.seen(e.eventId)) {
            duplicates.inc();
            return false;
        }
        ObservationState after = before != null ? before.copy() : new ObservationState();
        after.apply(e);
        after.price(book, e.projectId);
        countUnpriced(before, after);
        cache.observations().put(e.observationId, after);
        if (before == null) {
            t.observationCount++;
        }
        updateMinObservationTime(t, before != null ? before.timeNanos() : null, after.timeNanos());
        t.apply(e);
        return true;
    }

    private boolean applyScore(TraceState t, IngestionEvent e) throws Exception {
        ScoreState before = cache.scores().get(e.scoreId);
        if (before != null && before.seen(e.eventId)) {
            duplicates.inc();
            return false;
        }
        ScoreState after = before != null ? before.copy() : new ScoreState();
        after.apply(e);
        cache.scores().put(e.scoreId, after);
        if (before == null) {
            t.scoreCount++;
        }
        return true;
    }

    /** Where a trace's contributions are counted: user (null: nowhere), environment, trace time, session (null: none). */
    private record Counted(String user, String env, long traceTime, String session) {
        void addTrace(DeltaBuilder delta, int sign) {
            if (user != null) {
                delta.addTrace(user, env, traceTime, sign);
            }
        }

        void addSessionTrace(DeltaBuilder delta, int sign) {
            if (user != null && session != null) {
                delta.addSessionTrace(user, env, traceTime, session, sign);
            }
        }

        /** An unchanged member moves from here to {@code to}. */
        void move(DeltaBuilder delta, TraceMember m, Counted to) {
            change(delta, m, to, m);
        }

        /** A member counted here as {@code before} (null: not at all) counts at {@code to} as {@code now}. */
        void change(DeltaBuilder delta, TraceMember before, Counted to, TraceMember now) {
            if (user != null && before != null) {
                before.addTo(delta, user, env, -1);
            }
            if (to.user != null && now != null) {
                now.addTo(delta, to.user, to.env, +1);
            }
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
        long[] min = {Long.MAX_VALUE};
        cache.observations().forEachUnchanged((id, o) -> min[0] = Math.min(min[0], o.timeNanos()));
        cache.observations().forEachChanged((id, before, now) -> min[0] = Math.min(min[0], now.timeNanos()));
        t.minObservationTimeNanos = min[0] == Long.MAX_VALUE ? null : min[0];
    }
}
