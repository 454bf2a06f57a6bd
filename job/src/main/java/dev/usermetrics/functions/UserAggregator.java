package dev.usermetrics.functions;

import dev.usermetrics.budgets.BudgetWindow;
import dev.usermetrics.functions.state.MetricsSerializer;
import dev.usermetrics.functions.state.ModelMetricsSerializer;
import dev.usermetrics.functions.state.ScoreTotalsSerializer;
import dev.usermetrics.functions.state.UserTotalsSerializer;
import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.Counts;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.ScoreDelta;
import dev.usermetrics.records.ScoreTotals;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.records.UserCountChange;
import dev.usermetrics.validation.Timestamps;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Stage 2, keyed by (project, user): sums the signed contributions into the user's cumulative
 * metrics (all environments and per environment), hourly and daily buckets per environment,
 * daily metrics per model, and scores per (name, data type), and emits the absolute value of
 * every row it changed; when a user starts or stops counting anything (overall or in an
 * environment) it also emits a {@link UserCountChange} on {@link #USER_COUNT_CHANGES}.
 *
 * <p>State (no TTL: totals are cumulative; see docs/design.md). Map keys are strings built by
 * {@link StateKeys}; environments cannot contain '/', score names cannot contain U+0000.
 * <ul>
 *   <li>{@code totals}: {@link UserTotals} — cumulative metrics over all environments, first/last seen.</li>
 *   <li>{@code env-totals}: MapState environment → {@link UserTotals}.</li>
 *   <li>{@code hourly} / {@code daily}: MapState "bucketStartMillis/environment" → {@link Metrics}.</li>
 *   <li>{@code model-daily}: MapState "dayStartMillis/environment/model" → {@link ModelMetrics}.</li>
 *   <li>{@code scores}: MapState ScoreDelta.key(name, type) → {@link ScoreTotals}.</li>
 *   <li>{@code trace-times}: MapState "timeNanos/environment" → number of the user's traces at
 *       that time in that environment; lets first/last seen be recomputed exactly when a trace
 *       moves to another user or environment. Only traces the trace stage still holds: when a
 *       trace's state expires there, its time is settled into {@link UserTotals#settledFirstNanos}
 *       / {@code settledLastNanos} (it can never move again) and its entry goes.</li>
 *   <li>{@code score-times}: MapState "scoreKey\0timeNanos" → number of scores; the same for
 *       last_score_at (settled ones in {@link ScoreTotals#settledLastNanos}).</li>
 *   <li>{@code time-index}: {@link TimeIndex}, only for a user with many open trace or score
 *       times: their ordered sets, so a rescan after the extreme leaves is 8 point reads, not a
 *       scan of every time the user has.</li>
 *   <li>{@code sessions}: MapState "environment/sessionId" ("" = all environments) → number of
 *       the user's traces in that session; its size is {@link UserTotals#sessionCount}. Kept for
 *       good (a settled trace still counts its session, and a later trace of the same session
 *       must not count it again): one entry per (user, session), two with the environment.</li>
 *   <li>{@code window-totals}, {@code window-hours}: the trailing-window
 *       totals ({@link TrailingWindows}), rolled by the stage's event-time timers.</li>
 * </ul>
 * Operator state: {@code windows-clock}, a union list of each subtask's clock at the checkpoint
 * (see {@link TrailingWindows}); absent in state of a version without windows, which is then
 * upgraded on open ({@link RestoredStateUpgrade}: every user's windows built from its buckets);
 * {@code budget-feed}, a marker that the job had a budget stage (V15 on): absent in state of a
 * version before it, whose budget stage then starts with no values, so every restored user's
 * budget rows ({@link #emitBudgetRows}) are emitted on open for it (and written again, unchanged).
 * Every entry whose counts and sums are all zero is removed, so the state of a user whose only
 * trace moved away is empty (once the hours it was active in have left the 90-day window, with
 * their window bookkeeping and timers).
 */
public class UserAggregator extends KeyedProcessFunction<String, Contribution, MetricsRow>
        implements FinalRows, CheckpointedFunction, RestoredStateUpgrade {

    /** A user appeared in or disappeared from the project's Users list (all or one environment). */
    public static final OutputTag<UserCountChange> USER_COUNT_CHANGES = new OutputTag<>("user-count-changes") {};

    private final boolean rowsAtEnd;
    private transient ValueState<UserTotals> totals;
    private transient MapState<String, UserTotals> envTotals;
    private transient MapState<String, Metrics> hourly;
    private transient MapState<String, Metrics> daily;
    private transient MapState<String, ModelMetrics> modelDaily;
    private transient MapState<String, ScoreTotals> scores;
    private transient MapState<String, Long> traceTimes;
    private transient MapState<String, Long> scoreTimes;
    private transient MapState<String, Long> sessions;
    /** The environment part of a {@code sessions} key over all environments (environments are never empty). */
    private static final String ALL_ENVIRONMENTS = "";
    private transient TimeIndex index;
    private transient TrailingWindows recent;
    private transient ListState<Long> windowsClock;
    /** The greatest clock of the restored subtasks; null = fresh start, or restored without windows. */
    private transient Long restoredClock;
    /** Restored from a version without windows: every user's windows are built on open. */
    private transient boolean needsWindows;
    private transient ListState<Boolean> budgetFeed;
    /** Restored from a version without a budget stage: every user's budget rows are emitted on open. */
    private transient boolean needsBudgetSeed;

    /** Emits every changed row (a live job). */
    public UserAggregator() {
        this(false);
    }

    /** rowsAtEnd: a bounded run, whose rows are emitted once at end of input (see {@link FinalRows}). */
    public UserAggregator(boolean rowsAtEnd) {
        this.rowsAtEnd = rowsAtEnd;
    }

    /*
     * The stage's keyed state, written by compact serializers (docs/design.md, "State"; state of
     * the POJO-serialized layout v3 migrates on restore). The names are its identity in savepoints.
     */
    static ValueStateDescriptor<UserTotals> totalsDescriptor() {
        return new ValueStateDescriptor<>("totals", new UserTotalsSerializer());
    }

    static MapStateDescriptor<String, Metrics> bucketsDescriptor(String name) {
        return new MapStateDescriptor<>(name, StringSerializer.INSTANCE, new MetricsSerializer());
    }

    @Override
    public void open(OpenContext ctx) {
        var rc = getRuntimeContext();
        totals = rc.getState(totalsDescriptor());
        envTotals = rc.getMapState(new MapStateDescriptor<>("env-totals", StringSerializer.INSTANCE, new UserTotalsSerializer()));
        hourly = rc.getMapState(bucketsDescriptor("hourly"));
        daily = rc.getMapState(bucketsDescriptor("daily"));
        modelDaily = rc.getMapState(new MapStateDescriptor<>("model-daily", StringSerializer.INSTANCE, new ModelMetricsSerializer()));
        scores = rc.getMapState(new MapStateDescriptor<>("scores", StringSerializer.INSTANCE, new ScoreTotalsSerializer()));
        traceTimes = rc.getMapState(new MapStateDescriptor<>("trace-times", Types.STRING, Types.LONG));
        scoreTimes = rc.getMapState(new MapStateDescriptor<>("score-times", Types.STRING, Types.LONG));
        sessions = rc.getMapState(sessionsDescriptor());
        index = new TimeIndex(rc.getMapState(TimeIndex.descriptor()));
        recent = new TrailingWindows(rc.getState(TrailingWindows.stateDescriptor()),
                rc.getMapState(TrailingWindows.windowHoursDescriptor()), hourly);
        if (restoredClock != null) {
            recent.restoredClock(restoredClock);
        }
    }

    static MapStateDescriptor<String, Long> sessionsDescriptor() {
        return new MapStateDescriptor<>("sessions", StringSerializer.INSTANCE, LongSerializer.INSTANCE);
    }

    static ListStateDescriptor<Long> windowsClockDescriptor() {
        return new ListStateDescriptor<>("windows-clock", LongSerializer.INSTANCE);
    }

    static ListStateDescriptor<Boolean> budgetFeedDescriptor() {
        return new ListStateDescriptor<>("budget-feed", Types.BOOLEAN);
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        windowsClock = ctx.getOperatorStateStore().getUnionListState(windowsClockDescriptor());
        budgetFeed = ctx.getOperatorStateStore().getUnionListState(budgetFeedDescriptor());
        // A bounded run emits every final row at its end anyway (the budget stage evaluates those).
        needsBudgetSeed = ctx.isRestored() && !rowsAtEnd && !budgetFeed.get().iterator().hasNext();
        if (ctx.isRestored()) {
            long max = Long.MIN_VALUE;
            boolean any = false;
            for (Long clock : windowsClock.get()) {
                any = true;
                max = Math.max(max, clock);
            }
            restoredClock = any ? max : null;
            needsWindows = !any;
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        windowsClock.update(List.of(recent.clockToCheckpoint()));
        budgetFeed.update(List.of(true));
    }

    @Override
    public boolean needsUpgrade() {
        return needsWindows || needsBudgetSeed;
    }

    @Override
    public void upgradeKey(String key, TimerService timers, Collector<MetricsRow> rows) throws Exception {
        if (needsWindows) {
            recent.buildFromHourly(Keys.projectOf(key), Keys.idOf(key), timers, rowsAtEnd ? FinalRows.deletesOnly(rows) : rows);
        }
        if (needsBudgetSeed) {
            emitBudgetRows(key, rows, !needsWindows); // building the windows emitted the window rows
        }
    }

    @Override
    public String upgradeName() {
        List<String> what = new java.util.ArrayList<>();
        if (needsWindows) {
            what.add("trailing windows built from the hourly buckets");
        }
        if (needsBudgetSeed) {
            what.add("budget rows emitted for the new budget stage");
        }
        return String.join("; ", what);
    }

    /**
     * The rows of the current key that the budget stage keeps ({@link dev.usermetrics.budgets.UserBudgets#feeds}):
     * the totals overall and per environment, the trailing windows (withWindows) and the daily
     * buckets from the first day of the month of the user's latest day on (a calendar window
     * can hold no earlier day: the budget stage's calendar day is never before that day).
     */
    void emitBudgetRows(String key, Collector<MetricsRow> out, boolean withWindows) throws Exception {
        Contribution who = emitTotalsRows(key, out);
        if (who == null) {
            return;
        }
        long latestDay = Long.MIN_VALUE;
        for (String bucket : daily.keys()) {
            latestDay = Math.max(latestDay, BudgetWindow.epochDay(StateKeys.bucketStart(bucket)));
        }
        long fromMillis = latestDay == Long.MIN_VALUE ? Long.MAX_VALUE
                : BudgetWindow.dayStart(BudgetWindow.MONTH.startDay(latestDay)).toEpochMilli();
        for (Map.Entry<String, Metrics> e : daily.entries()) {
            long start = StateKeys.bucketStart(e.getKey());
            if (start >= fromMillis) {
                who.environment = StateKeys.bucketEnvironment(e.getKey());
                out.collect(bucketRow(SinkTable.USER_METRICS_DAILY, who, start, e.getValue()));
            }
        }
        if (withWindows) {
            recent.emitAll(who.projectId, who.userId, out);
        }
    }

    @Override
    public void processElement(Contribution c, Context ctx, Collector<MetricsRow> rows) throws Exception {
        Collector<MetricsRow> out = rowsAtEnd ? FinalRows.deletesOnly(rows) : rows;
        String env = c.environment;
        UserTotals all = totals.value();
        all = all != null ? all : new UserTotals();
        UserTotals inEnv = envTotals.get(env);
        inEnv = inEnv != null ? inEnv : new UserTotals();
        boolean counted = !all.metrics.isEmpty();
        boolean countedInEnv = !inEnv.metrics.isEmpty();
        all.metrics.add(c.delta, +1);
        inEnv.metrics.add(c.delta, +1);
        for (Map.Entry<Long, Long> tt : c.traceTimes.entrySet()) {
            updateSeen(all, inEnv, env, tt.getKey(), tt.getValue());
        }
        for (Map.Entry<Long, Long> st : c.settledTraceTimes.entrySet()) {
            settleTraces(all, inEnv, env, st.getKey(), st.getValue());
        }
        for (Map.Entry<String, Long> s : c.sessions.entrySet()) {
            all.sessionCount += addSessionTraces(StateKeys.session(ALL_ENVIRONMENTS, s.getKey()), s.getValue());
            inEnv.sessionCount += addSessionTraces(StateKeys.session(env, s.getKey()), s.getValue());
        }
        if (all.metrics.isZero()) {
            totals.clear();
        } else {
            totals.update(all);
        }
        if (inEnv.metrics.isZero()) {
            envTotals.remove(env);
        } else {
            envTotals.put(env, inEnv);
        }
        // The rule that adds or deletes the user's rows (isEmpty) also counts them.
        if (counted != !all.metrics.isEmpty()) {
            ctx.output(USER_COUNT_CHANGES, new UserCountChange(c.projectId, null, counted ? -1 : +1));
        }
        if (countedInEnv != !inEnv.metrics.isEmpty()) {
            ctx.output(USER_COUNT_CHANGES, new UserCountChange(c.projectId, env, countedInEnv ? -1 : +1));
        }
        if (c.onlySettles()) {
            for (Map.Entry<String, ScoreDelta> s : c.scores.entrySet()) {
                addToScore(s.getKey(), s.getValue());
            }
            return; // no value changed: no rows to write
        }
        out.collect(totalsRow(SinkTable.USER_METRICS, c, null, all));
        out.collect(totalsRow(SinkTable.USER_METRICS_ENV, c, env, inEnv));

        long hour = c.hourStartMillis;
        long day = Timestamps.dayStartMillis(hour);
        recent.add(c.projectId, c.userId, env, hour, c.delta, ctx.timerService(), out); // before the bucket changes
        out.collect(bucketRow(SinkTable.USER_METRICS_HOURLY, c, hour, addToBucket(hourly, StateKeys.bucket(hour, env), c.delta)));
        out.collect(bucketRow(SinkTable.USER_METRICS_DAILY, c, day, addToBucket(daily, StateKeys.bucket(day, env), c.delta)));

        for (Map.Entry<String, ModelMetrics> m : c.byModel.entrySet()) {
            out.collect(modelRow(c, day, m.getKey(), addToModel(StateKeys.modelDay(day, env, m.getKey()), m.getValue())));
        }
        for (Map.Entry<String, ScoreDelta> s : c.scores.entrySet()) {
            out.collect(scoreRow(c, s.getKey(), addToScore(s.getKey(), s.getValue())));
        }
    }

    /** A bucket of the user leaves a trailing window. */
    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<MetricsRow> rows) throws Exception {
        String key = ctx.getCurrentKey();
        recent.onTimer(Keys.projectOf(key), Keys.idOf(key), time, ctx.timerService(), rowsAtEnd ? FinalRows.deletesOnly(rows) : rows);
    }

    /** Adds n traces to a session of the user; +1 / -1 when the session starts / stops counting, else 0. */
    private long addSessionTraces(String key, long n) throws Exception {
        Long before = sessions.get(key);
        long after = (before == null ? 0 : before) + n;
        if (after <= 0) {
            sessions.remove(key);
        } else {
            sessions.put(key, after);
        }
        return (after > 0 ? 1 : 0) - (before != null && before > 0 ? 1 : 0);
    }

    private static Metrics addToBucket(MapState<String, Metrics> buckets, String key, Metrics delta) throws Exception {
        Metrics m = buckets.get(key);
        m = m != null ? m : new Metrics();
        m.add(delta, +1);
        if (m.isZero()) {
            buckets.remove(key);
        } else {
            buckets.put(key, m);
        }
        return m;
    }

    private ModelMetrics addToModel(String key, ModelMetrics delta) throws Exception {
        ModelMetrics m = modelDaily.get(key);
        m = m != null ? m : new ModelMetrics();
        m.add(delta, +1);
        if (m.isZero()) {
            modelDaily.remove(key);
        } else {
            modelDaily.put(key, m);
        }
        return m;
    }

    private ScoreTotals addToScore(String scoreKey, ScoreDelta d) throws Exception {
        ScoreTotals stored = scores.get(scoreKey);
        ScoreTotals s = stored != null ? stored : new ScoreTotals();
        s.count += d.count;
        s.valueSum = s.valueSum.add(d.valueSum);
        d.labels.forEach((label, n) -> Counts.add(s.labels, label, n));
        // Whether the index is kept is asked per time: a removal may drop it (the user's last
        // open score time went) and a later time of the same delta must then not be indexed.
        boolean rescan = false;
        for (Map.Entry<Long, Long> t : d.settledTimes.entrySet()) {
            // A settled score is counted for good: only its time is kept, folded into the max.
            StateCounts.add(scoreTimes, StateKeys.scoreTime(scoreKey, t.getKey()), -t.getValue(), scorePresence(scoreKey, t.getKey()));
            s.settledLastNanos = s.settledLastNanos == null ? t.getKey() : Math.max(s.settledLastNanos, t.getKey());
        }
        for (Map.Entry<Long, Long> t : d.times.entrySet()) {
            if (StateCounts.add(scoreTimes, StateKeys.scoreTime(scoreKey, t.getKey()), t.getValue(), scorePresence(scoreKey, t.getKey())) <= 0) {
                rescan |= t.getKey().equals(s.lastScoreAtNanos);
            } else {
                s.lastScoreAtNanos = s.lastScoreAtNanos == null ? t.getKey() : Math.max(s.lastScoreAtNanos, t.getKey());
            }
        }
        if (rescan) {
            // The latest score went away (moved to another user, or its time changed).
            Long open = index.isBuilt(TimeIndex.SCORES) ? index.maxScoreTime(scoreKey) : scanScoreTimes(scoreKey);
            s.lastScoreAtNanos = s.settledLastNanos;
            if (open != null && (s.lastScoreAtNanos == null || open > s.lastScoreAtNanos)) {
                s.lastScoreAtNanos = open;
            }
        }
        if (s.count == 0 && s.valueSum.signum() == 0 && s.labels.isEmpty() && s.settledLastNanos == null) {
            scores.remove(scoreKey);
        } else {
            scores.put(scoreKey, s);
        }
        return s;
    }

    /** The latest open score time of the score key by a scan of all the user's score times; builds the index when there are many. */
    private Long scanScoreTimes(String scoreKey) throws Exception {
        Long max = null;
        String prefix = StateKeys.scoreTimePrefix(scoreKey);
        int entries = 0;
        for (String k : scoreTimes.keys()) {
            entries++;
            if (k.startsWith(prefix)) {
                long time = Long.parseLong(k.substring(prefix.length()));
                max = max == null ? time : Math.max(max, time);
            }
        }
        if (entries > TimeIndex.BUILD_THRESHOLD) {
            for (String k : scoreTimes.keys()) {
                index.addScoreTime(StateKeys.scoreKeyOf(k), StateKeys.scoreTimeOf(k));
            }
            index.markBuilt(TimeIndex.SCORES);
        }
        return max;
    }

    /** Keeps the score index (when the user has one) in step with score-times; null when it has none. */
    private StateCounts.Presence scorePresence(String scoreKey, long time) throws Exception {
        if (!index.isBuilt(TimeIndex.SCORES)) {
            return null;
        }
        return present -> {
            if (present) {
                index.addScoreTime(scoreKey, time);
            } else if (index.removeScoreTime(scoreKey, time) && scoreTimes.isEmpty()) {
                index.unbuild(TimeIndex.SCORES);
            }
        };
    }

    private StateCounts.Presence tracePresence(String env, long time) {
        return present -> {
            if (present) {
                index.addTraceTime(env, time);
            } else {
                index.removeTraceTime(env, time);
            }
        };
    }

    /** Adds (n > 0) or removes (n < 0) traces at one time and keeps first/last seen exact. */
    private void updateSeen(UserTotals all, UserTotals inEnv, String env, long time, long sign) throws Exception {
        boolean indexed = index.isBuilt(TimeIndex.TRACES);
        long n = StateCounts.add(traceTimes, StateKeys.traceTime(time, env), sign, indexed ? tracePresence(env, time) : null);
        if (sign > 0) {
            all.include(time);
            inEnv.include(time);
        } else if (n <= 0 && (all.isExtreme(time) || inEnv.isExtreme(time))) {
            // An extreme went away (happens when a trace moves to another user).
            all.resetSeenToSettled();
            inEnv.resetSeenToSettled();
            if (indexed) {
                include(all, index.minTraceTimeAll());
                include(all, index.maxTraceTimeAll());
                include(inEnv, index.minTraceTime(env));
                include(inEnv, index.maxTraceTime(env));
            } else {
                rescanSeen(all, inEnv, env);
            }
        }
    }

    /** First/last seen from a scan of all the user's open trace times; builds the index when there are many. */
    private void rescanSeen(UserTotals all, UserTotals inEnv, String env) throws Exception {
        int entries = 0;
        for (String k : traceTimes.keys()) {
            entries++;
            long t = StateKeys.traceTimeOf(k);
            all.include(t);
            if (env.equals(StateKeys.traceTimeEnvironment(k))) {
                inEnv.include(t);
            }
        }
        if (entries > TimeIndex.BUILD_THRESHOLD) {
            for (String k : traceTimes.keys()) {
                index.addTraceTime(StateKeys.traceTimeEnvironment(k), StateKeys.traceTimeOf(k));
            }
            index.markBuilt(TimeIndex.TRACES);
        }
    }

    private static void include(UserTotals totals, Long time) {
        if (time != null) {
            totals.include(time);
        }
    }

    /**
     * n traces at this time will never change again (their trace-stage state expired): their
     * time moves from trace-times into the settled first/last seen, which stay exact because a
     * settled trace can no longer be retracted.
     */
    private void settleTraces(UserTotals all, UserTotals inEnv, String env, long time, long n) throws Exception {
        StateCounts.add(traceTimes, StateKeys.traceTime(time, env), -n,
                index.isBuilt(TimeIndex.TRACES) ? tracePresence(env, time) : null);
        all.settle(time);
        inEnv.settle(time);
    }

    @Override
    public ValueStateDescriptor<UserTotals> keysState() {
        return totalsDescriptor(); // a user with any row counts something in totals
    }

    /** Emits the current user's totals rows (overall, per environment) and returns who it is; null: no rows. */
    private Contribution emitTotalsRows(String key, Collector<MetricsRow> out) throws Exception {
        UserTotals all = totals.value();
        if (all == null) {
            return null;
        }
        Contribution who = new Contribution();
        who.projectId = Keys.projectOf(key);
        who.userId = Keys.idOf(key);
        out.collect(totalsRow(SinkTable.USER_METRICS, who, null, all));
        for (Map.Entry<String, UserTotals> e : envTotals.entries()) {
            out.collect(totalsRow(SinkTable.USER_METRICS_ENV, who, e.getKey(), e.getValue()));
        }
        return who;
    }

    /** Every row of the current user from state: totals, per environment, buckets, models, scores. */
    @Override
    public void emitFinalRows(String key, Collector<MetricsRow> out) throws Exception {
        Contribution who = emitTotalsRows(key, out);
        if (who == null) {
            return;
        }
        for (Map.Entry<String, Metrics> e : hourly.entries()) {
            who.environment = StateKeys.bucketEnvironment(e.getKey());
            out.collect(bucketRow(SinkTable.USER_METRICS_HOURLY, who, StateKeys.bucketStart(e.getKey()), e.getValue()));
        }
        for (Map.Entry<String, Metrics> e : daily.entries()) {
            who.environment = StateKeys.bucketEnvironment(e.getKey());
            out.collect(bucketRow(SinkTable.USER_METRICS_DAILY, who, StateKeys.bucketStart(e.getKey()), e.getValue()));
        }
        for (Map.Entry<String, ModelMetrics> e : modelDaily.entries()) {
            who.environment = StateKeys.bucketEnvironment(e.getKey());
            out.collect(modelRow(who, StateKeys.bucketStart(e.getKey()), StateKeys.modelOf(e.getKey()), e.getValue()));
        }
        for (Map.Entry<String, ScoreTotals> e : scores.entries()) {
            if (!e.getValue().isEmpty()) { // kept only for its settled time otherwise: no row
                out.collect(scoreRow(who, e.getKey(), e.getValue()));
            }
        }
        recent.emitAll(who.projectId, who.userId, out);
    }

    private static MetricsRow row(SinkTable table, Contribution c) {
        MetricsRow r = new MetricsRow();
        r.table = table;
        r.projectId = c.projectId;
        r.userId = c.userId;
        return r;
    }

    private static MetricsRow totalsRow(SinkTable table, Contribution c, String env, UserTotals t) {
        MetricsRow r = row(table, c);
        r.environment = env;
        r.metrics = t.metrics;
        r.firstSeenNanos = t.firstSeenNanos;
        r.lastSeenNanos = t.lastSeenNanos;
        r.sessionCount = t.sessionCount;
        return r;
    }

    private static MetricsRow bucketRow(SinkTable table, Contribution c, long bucket, Metrics m) {
        MetricsRow r = row(table, c);
        r.environment = c.environment;
        r.bucketStartMillis = bucket;
        r.metrics = m;
        return r;
    }

    private static MetricsRow modelRow(Contribution c, long day, String model, ModelMetrics m) {
        MetricsRow r = row(SinkTable.USER_MODEL_METRICS_DAILY, c);
        r.environment = c.environment;
        r.bucketStartMillis = day;
        r.subKey = model;
        r.modelMetrics = m;
        return r;
    }

    private static MetricsRow scoreRow(Contribution c, String scoreKey, ScoreTotals s) {
        MetricsRow r = row(SinkTable.USER_SCORES, c);
        r.subKey = scoreKey;
        r.score = s;
        return r;
    }
}
