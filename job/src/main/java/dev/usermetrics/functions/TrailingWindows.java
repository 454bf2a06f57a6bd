package dev.usermetrics.functions;

import dev.usermetrics.records.RowTotals;
import dev.usermetrics.functions.state.UserWindowsSerializer;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.Collector;

/**
 * One user's trailing-window totals (the user stage's part that answers "the last 24 hours /
 * 7 days / 30 days / 90 days" at page speed): per window, over all environments and per
 * environment, the sum of the user's hourly buckets inside it, kept exactly as buckets change and
 * as they leave.
 *
 * <p>The clock is the job's data clock (the watermark, {@link DataClock}). At clock {@code C} the
 * window of {@code n} hours holds the buckets whose hour {@code h} has {@code h + n hours > C}:
 * the current hour and the {@code n - 1} before it (and buckets ahead of the clock). A change of
 * bucket {@code h} is added to every window that holds it; bucket {@code h} leaves window
 * {@code n} when the clock reaches {@code h + n hours}, by an event-time timer of the user at
 * that time, which subtracts the bucket's value then (the sum of exactly the changes that were
 * added while it was inside). A change arriving after its bucket left is not added. So at every
 * checkpoint each window equals the sum of the {@code user_metrics_hourly} rows inside it.
 *
 * <p>After a restore the watermark starts again from nothing while the timers are restored, so
 * until a subtask's watermark has passed the clock its checkpoint had reached ({@code
 * restoredClock}, the greatest over the restored subtasks) the watermark cannot decide. A user's
 * own state can: an hour it tracks ({@code window-hours}) joined the windows from the first one
 * that held it when it was tracked ({@code first}, stored with the hour), and has left window
 * {@code n} iff {@code h + n <= max(watermark, rolledTo)}, {@code rolledTo} being the latest leave
 * time the user has processed (its timers fire in time order; every pending one is later). An
 * hour it does not track is in no window and has no pending timer, so it may take {@code
 * restoredClock}. So a change is never added to a window its bucket never joined or has left,
 * and never left out of one its bucket will still be subtracted from — also for keys of a
 * subtask whose clock was behind the others' (rescaling).
 *
 * <p>State (keyed by project and user), all of it bounded by the user's last 90 days:
 * <ul>
 *   <li>{@code window-totals}: {@link UserWindows} — per environment ("" = all environments) one
 *       {@link RowTotals} per window ({@link Window} order; null = empty; an environment goes
 *       when all its windows are empty), rolledTo (the latest leave time processed) and the
 *       number of window-hours entries; cleared when both are gone.</li>
 *   <li>{@code window-hours}: bucket hour → the first window it joined ("i:", omitted for 0) and
 *       the environments ("/"-joined) that had a bucket at that hour while it was inside a window:
 *       what a leave timer subtracts. Removed when the hour leaves the longest window; at most
 *       2,160 entries.</li>
 * </ul>
 * Timers: one per (user, active hour) at a time, at the next time its buckets leave a window;
 * each leave registers the next one (4 firings per hour in all, but one registration on the hot
 * path instead of four).
 */
final class TrailingWindows {

    /** The windows, shortest first; the names are the table's {@code time_window} values. */
    enum Window {
        LAST_24_HOURS("24h", 24), LAST_7_DAYS("7d", 7 * 24), LAST_30_DAYS("30d", 30 * 24), LAST_90_DAYS("90d", 90 * 24);

        final String label;
        final long millis;

        Window(String label, long hours) {
            this.label = label;
            this.millis = hours * HOUR_MILLIS;
        }

        /** Whether the bucket of this hour is inside the window at the given clock. */
        boolean holds(long hourMillis, long clock) {
            return hourMillis + millis > clock;
        }
    }

    static final long HOUR_MILLIS = 3_600_000L;
    private static final Window[] WINDOWS = Window.values();
    private static final Window LONGEST = WINDOWS[WINDOWS.length - 1];
    /** The key of the totals over all environments (environments are never empty). */
    static final String ALL = "";

    private final ValueState<UserWindows> state;
    private final MapState<Long, String> windowHours;
    private final MapState<String, Metrics> hourly;
    /**
     * Until the watermark has passed this, a key's rolledTo may be ahead of it (restored state):
     * the greatest clock the restored subtasks had reached; MIN_VALUE for a fresh start.
     */
    private long restoredClock = Long.MIN_VALUE;
    /** The greatest watermark seen in a call; every key's rolledTo is at most this. */
    private long seenClock = Long.MIN_VALUE;

    TrailingWindows(ValueState<UserWindows> state, MapState<Long, String> windowHours, MapState<String, Metrics> hourly) {
        this.state = state;
        this.windowHours = windowHours;
        this.hourly = hourly;
    }

    static ValueStateDescriptor<UserWindows> stateDescriptor() {
        return new ValueStateDescriptor<>("window-totals", new UserWindowsSerializer());
    }

    static MapStateDescriptor<Long, String> windowHoursDescriptor() {
        return new MapStateDescriptor<>("window-hours", LongSerializer.INSTANCE, StringSerializer.INSTANCE);
    }

    /** The clock the restored checkpoint had reached (the greatest over its subtasks). */
    void restoredClock(long clock) {
        restoredClock = clock;
        seenClock = Math.max(seenClock, clock);
    }

    /** The clock to checkpoint: every rolledTo of this subtask's keys is at most this. */
    long clockToCheckpoint() {
        return seenClock;
    }

    /**
     * Adds the change of the user's bucket (hour, env) to the windows that hold it — to be called
     * before the change is added to the hourly bucket — and emits their rows.
     */
    void add(String projectId, String userId, String env, long hourMillis, Metrics delta, TimerService timers,
            Collector<MetricsRow> out) throws Exception {
        long watermark = timers.currentWatermark();
        seenClock = Math.max(seenClock, watermark);
        boolean caughtUp = watermark >= restoredClock;
        if (caughtUp && !LONGEST.holds(hourMillis, watermark)) {
            return; // older than every window: nothing to read
        }
        String tracked = windowHours.get(hourMillis);
        UserWindows w = null;
        long clock;
        int first;
        if (tracked != null) {
            // The hour's windows were decided when it was tracked (first) and have left since by
            // the user's own timers: its state tells, whatever the restored clock is.
            first = firstWindow(tracked);
            if (caughtUp) {
                clock = watermark;
            } else {
                w = load();
                clock = Math.max(w.rolledTo, watermark);
            }
        } else {
            // No window holds this bucket and no timer of it is pending: any clock up to the
            // restored one is consistent with the user's state, the restored one is the truest.
            clock = caughtUp ? watermark : restoredClock;
            first = firstHolding(hourMillis, clock);
            if (first == WINDOWS.length) {
                return;
            }
        }
        w = w != null ? w : load();
        RowTotals[] inEnv = w.byEnvironment.computeIfAbsent(env, e -> new RowTotals[WINDOWS.length]);
        RowTotals[] all = w.byEnvironment.computeIfAbsent(ALL, e -> new RowTotals[WINDOWS.length]);
        boolean[] in = new boolean[WINDOWS.length];
        for (int i = first; i < WINDOWS.length; i++) {
            if (WINDOWS[i].holds(hourMillis, clock)) {
                in[i] = true;
                inEnv[i] = plus(inEnv[i], delta, +1);
                all[i] = plus(all[i], delta, +1);
            }
        }
        if (tracked == null) {
            newHour(w, env, hourMillis, first, timers);
        } else {
            addEnvironment(hourMillis, tracked, env);
        }
        store(w);
        for (int i = first; i < WINDOWS.length; i++) {
            if (in[i]) {
                out.collect(row(projectId, userId, env, i, inEnv[i]));
                out.collect(row(projectId, userId, ALL, i, all[i]));
            }
        }
    }

    /**
     * A leave time of the user: subtracts the buckets that leave a window now, registers their
     * next leave time (one timer per active hour at a time) and emits the changed rows.
     */
    void onTimer(String projectId, String userId, long time, TimerService timers, Collector<MetricsRow> out) throws Exception {
        seenClock = Math.max(seenClock, time);
        UserWindows w = load();
        w.rolledTo = Math.max(w.rolledTo, time); // timers fire in time order: the user's latest leave time
        Map<String, boolean[]> touched = new LinkedHashMap<>();
        for (int i = 0; i < WINDOWS.length; i++) {
            long hour = time - WINDOWS[i].millis;
            String tracked = windowHours.get(hour);
            // A timer of another hour may share this time: only an hour that joined window i leaves it.
            if (tracked == null || firstWindow(tracked) > i) {
                continue;
            }
            for (String env : environments(tracked).split(ENV_SEPARATOR)) {
                Metrics bucket = hourly.get(StateKeys.bucket(hour, env));
                if (bucket == null) {
                    continue;
                }
                for (String key : new String[] {env, ALL}) {
                    RowTotals[] windows = w.byEnvironment.computeIfAbsent(key, k -> new RowTotals[WINDOWS.length]);
                    windows[i] = plus(windows[i], bucket, -1);
                    touched.computeIfAbsent(key, k -> new boolean[WINDOWS.length])[i] = true;
                }
            }
            if (WINDOWS[i] == LONGEST) {
                windowHours.remove(hour);
                w.hours--;
            } else {
                timers.registerEventTimeTimer(hour + WINDOWS[i + 1].millis);
            }
        }
        for (Map.Entry<String, boolean[]> e : touched.entrySet()) {
            RowTotals[] windows = w.byEnvironment.get(e.getKey()); // before store drops the empty ones
            for (int i = 0; i < WINDOWS.length; i++) {
                if (e.getValue()[i]) {
                    out.collect(row(projectId, userId, e.getKey(), i, windows[i]));
                }
            }
        }
        store(w);
    }

    /**
     * Builds the user's windows from its hourly buckets (state restored from a version without
     * windows): at this point the watermark is unknown, so every bucket counts as inside and its
     * leave timers are registered; those already due fire with the first watermark. Emits the
     * built rows.
     */
    void buildFromHourly(String projectId, String userId, TimerService timers, Collector<MetricsRow> out) throws Exception {
        UserWindows w = load();
        for (Map.Entry<String, Metrics> b : hourly.entries()) {
            String env = StateKeys.bucketEnvironment(b.getKey());
            long hour = StateKeys.bucketStart(b.getKey());
            RowTotals[] inEnv = w.byEnvironment.computeIfAbsent(env, e -> new RowTotals[WINDOWS.length]);
            RowTotals[] all = w.byEnvironment.computeIfAbsent(ALL, e -> new RowTotals[WINDOWS.length]);
            for (int i = 0; i < WINDOWS.length; i++) {
                inEnv[i] = plus(inEnv[i], b.getValue(), +1);
                all[i] = plus(all[i], b.getValue(), +1);
            }
            String tracked = windowHours.get(hour);
            if (tracked == null) {
                newHour(w, env, hour, 0, timers);
            } else {
                addEnvironment(hour, tracked, env);
            }
        }
        store(w);
        emitAll(projectId, userId, out);
    }

    /** Every window row of the user (bounded runs, at end of input). */
    void emitAll(String projectId, String userId, Collector<MetricsRow> out) throws Exception {
        UserWindows w = state.value();
        if (w == null) {
            return;
        }
        for (Map.Entry<String, RowTotals[]> e : w.byEnvironment.entrySet()) {
            for (int i = 0; i < WINDOWS.length; i++) {
                if (e.getValue()[i] != null) {
                    out.collect(row(projectId, userId, e.getKey(), i, e.getValue()[i]));
                }
            }
        }
    }

    private UserWindows load() throws Exception {
        UserWindows w = state.value();
        return w != null ? w : new UserWindows();
    }

    /** Writes the user's windows back; clears them when nothing is pending (no tracked hour, so every window is empty). */
    private void store(UserWindows w) throws Exception {
        w.byEnvironment.values().removeIf(TrailingWindows::allEmpty);
        if (w.hours <= 0 && w.byEnvironment.isEmpty()) {
            state.clear();
        } else {
            state.update(w);
        }
    }

    private static boolean allEmpty(RowTotals[] windows) {
        for (RowTotals t : windows) {
            if (t != null) {
                return false;
            }
        }
        return true;
    }

    /** The first window (index) that holds the bucket of this hour at the clock; WINDOWS.length if none. */
    private static int firstHolding(long hourMillis, long clock) {
        int i = 0;
        while (i < WINDOWS.length && !WINDOWS[i].holds(hourMillis, clock)) {
            i++;
        }
        return i;
    }

    /**
     * Tracks a new hour of the user that joined the windows from {@code first} on: its
     * {@code window-hours} entry, counted in w, and the timer of its first leave (each leave
     * registers the next one).
     */
    private void newHour(UserWindows w, String env, long hourMillis, int first, TimerService timers) throws Exception {
        w.hours++;
        windowHours.put(hourMillis, first == 0 ? env : "" + first + FIRST_SEPARATOR + env);
        timers.registerEventTimeTimer(hourMillis + WINDOWS[first].millis);
    }

    /** The environment joins a tracked hour (its windows and timers are the hour's). */
    private void addEnvironment(long hourMillis, String tracked, String env) throws Exception {
        if (!contains(environments(tracked), env)) {
            windowHours.put(hourMillis, tracked + ENV_SEPARATOR + env);
        }
    }

    /*
     * A window-hours entry: "[first:]env/env...", first being the first window the hour joined
     * when it was tracked (omitted when 0, the usual case: current data joins every window). The
     * windows before it never held the hour's buckets, though a leave timer may fire at their
     * leave times (another hour's).
     */
    private static final String ENV_SEPARATOR = "/";
    private static final char FIRST_SEPARATOR = ':';

    private static int firstWindow(String tracked) {
        return tracked.length() > 1 && tracked.charAt(1) == FIRST_SEPARATOR ? tracked.charAt(0) - '0' : 0;
    }

    private static String environments(String tracked) {
        return tracked.length() > 1 && tracked.charAt(1) == FIRST_SEPARATOR ? tracked.substring(2) : tracked;
    }

    private static boolean contains(String envs, String env) {
        for (String e : envs.split(ENV_SEPARATOR)) {
            if (e.equals(env)) {
                return true;
            }
        }
        return false;
    }

    /** t + sign * delta; null when the result is zero (nothing left of it). */
    private static RowTotals plus(RowTotals t, Metrics delta, int sign) {
        RowTotals sum = t != null ? t : new RowTotals();
        sum.add(delta, sign);
        return sum.isZero() ? null : sum;
    }

    private static MetricsRow row(String projectId, String userId, String env, int window, RowTotals t) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_METRICS_WINDOWS;
        r.projectId = projectId;
        r.userId = userId;
        r.environment = env;
        r.subKey = WINDOWS[window].label;
        r.metrics = t != null ? t.toRowMetrics() : new Metrics();
        return r;
    }
}
