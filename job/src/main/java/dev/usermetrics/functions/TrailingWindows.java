package dev.usermetrics.functions;

import dev.usermetrics.functions.state.MetricsSerializer;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.GenericArraySerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.array.LongPrimitiveArraySerializer;
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
 * restoredClock}, the greatest over the restored subtasks), "has bucket h left" is decided per
 * user by {@code max(watermark, rolledTo)}, {@code rolledTo} being the latest leave time the
 * user has processed (timers fire in time order): so a change is never added after its bucket
 * was subtracted, and never left out of a bucket that will still be subtracted. A user with no
 * pending leave time takes {@code restoredClock} as its own then.
 *
 * <p>State (keyed by project and user), all of it bounded by the user's last 90 days:
 * <ul>
 *   <li>{@code windows}: environment ("" = all environments) → one {@link Metrics} per window
 *       ({@link Window} order; null = empty); an entry goes when all its windows are empty.</li>
 *   <li>{@code window-hours}: bucket hour → the environments ("/"-joined) that had a bucket at that
 *       hour while it was inside a window: what a leave timer subtracts. Removed when the hour
 *       leaves the longest window; at most 2,160 entries.</li>
 *   <li>{@code window-progress}: {rolledTo, number of window-hours entries}; cleared with the
 *       last entry.</li>
 * </ul>
 * Timers: one per (user, active hour) and window, at the times its buckets leave.
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

    private final MapState<String, Metrics[]> windows;
    private final MapState<Long, String> windowHours;
    private final ValueState<long[]> progress;
    private final MapState<String, Metrics> hourly;
    /**
     * Until the watermark has passed this, a key's rolledTo may be ahead of it (restored state):
     * the greatest clock the restored subtasks had reached; MIN_VALUE for a fresh start.
     */
    private long restoredClock = Long.MIN_VALUE;
    /** The greatest watermark seen in a call; every key's rolledTo is at most this. */
    private long seenClock = Long.MIN_VALUE;

    TrailingWindows(MapState<String, Metrics[]> windows, MapState<Long, String> windowHours, ValueState<long[]> progress,
            MapState<String, Metrics> hourly) {
        this.windows = windows;
        this.windowHours = windowHours;
        this.progress = progress;
        this.hourly = hourly;
    }

    static MapStateDescriptor<String, Metrics[]> windowsDescriptor() {
        return new MapStateDescriptor<>("windows", StringSerializer.INSTANCE,
                new GenericArraySerializer<>(Metrics.class, new MetricsSerializer()));
    }

    static MapStateDescriptor<Long, String> windowHoursDescriptor() {
        return new MapStateDescriptor<>("window-hours", LongSerializer.INSTANCE, StringSerializer.INSTANCE);
    }

    static ValueStateDescriptor<long[]> progressDescriptor() {
        return new ValueStateDescriptor<>("window-progress", LongPrimitiveArraySerializer.INSTANCE);
    }

    private static final int ROLLED_TO = 0;
    private static final int HOURS = 1;

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
        long clock = clock(timers.currentWatermark());
        if (!LONGEST.holds(hourMillis, clock)) {
            return; // older than every window
        }
        Metrics[] inEnv = load(env);
        Metrics[] all = load(ALL);
        for (int i = 0; i < WINDOWS.length; i++) {
            if (WINDOWS[i].holds(hourMillis, clock)) {
                inEnv[i] = plus(inEnv[i], delta, +1);
                all[i] = plus(all[i], delta, +1);
            }
        }
        track(env, hourMillis, clock, timers);
        store(env, inEnv);
        store(ALL, all);
        for (int i = 0; i < WINDOWS.length; i++) {
            if (WINDOWS[i].holds(hourMillis, clock)) {
                out.collect(row(projectId, userId, env, i, inEnv[i]));
                out.collect(row(projectId, userId, ALL, i, all[i]));
            }
        }
    }

    /** A leave time of the user: subtracts the buckets that leave a window now and emits the changed rows. */
    void onTimer(String projectId, String userId, long time, Collector<MetricsRow> out) throws Exception {
        seenClock = Math.max(seenClock, time);
        long[] p = progress();
        p[ROLLED_TO] = time; // timers fire in time order: this is the user's latest leave time
        Map<String, Metrics[]> changed = new LinkedHashMap<>();
        Map<String, boolean[]> touchedWindows = new LinkedHashMap<>();
        for (int i = 0; i < WINDOWS.length; i++) {
            long hour = time - WINDOWS[i].millis;
            String envs = windowHours.get(hour);
            if (envs == null) {
                continue;
            }
            for (String env : envs.split("/")) {
                Metrics bucket = hourly.get(StateKeys.bucket(hour, env));
                if (bucket == null) {
                    continue;
                }
                for (String key : new String[] {env, ALL}) {
                    Metrics[] w = changed.get(key);
                    if (w == null) {
                        w = load(key);
                        changed.put(key, w);
                    }
                    w[i] = plus(w[i], bucket, -1);
                    touchedWindows.computeIfAbsent(key, k -> new boolean[WINDOWS.length])[i] = true;
                }
            }
            if (WINDOWS[i] == LONGEST) {
                windowHours.remove(hour);
                p[HOURS]--;
            }
        }
        if (p[HOURS] <= 0) {
            progress.clear(); // nothing pending: the user's windows are empty
        } else {
            progress.update(p);
        }
        for (Map.Entry<String, Metrics[]> e : changed.entrySet()) {
            store(e.getKey(), e.getValue());
            boolean[] t = touchedWindows.get(e.getKey());
            for (int i = 0; i < WINDOWS.length; i++) {
                if (t[i]) {
                    out.collect(row(projectId, userId, e.getKey(), i, e.getValue()[i]));
                }
            }
        }
    }

    /**
     * Builds the user's windows from its hourly buckets (state restored from a version without
     * windows): at this point the watermark is unknown, so every bucket counts as inside and its
     * leave timers are registered; those already due fire with the first watermark. Emits the
     * built rows.
     */
    void buildFromHourly(String projectId, String userId, TimerService timers, Collector<MetricsRow> out) throws Exception {
        long clock = Long.MIN_VALUE;
        long[] p = progress();
        Map<String, Metrics[]> built = new LinkedHashMap<>();
        for (Map.Entry<String, Metrics> b : hourly.entries()) {
            String env = StateKeys.bucketEnvironment(b.getKey());
            long hour = StateKeys.bucketStart(b.getKey());
            Metrics[] inEnv = built.computeIfAbsent(env, e -> new Metrics[WINDOWS.length]);
            Metrics[] all = built.computeIfAbsent(ALL, e -> new Metrics[WINDOWS.length]);
            for (int i = 0; i < WINDOWS.length; i++) {
                inEnv[i] = plus(inEnv[i], b.getValue(), +1);
                all[i] = plus(all[i], b.getValue(), +1);
            }
            track(env, hour, clock, timers, p);
        }
        for (Map.Entry<String, Metrics[]> e : built.entrySet()) {
            store(e.getKey(), e.getValue());
        }
        emitAll(projectId, userId, out);
        if (p[HOURS] > 0) {
            progress.update(p);
        }
    }

    /** Every window row of the user (bounded runs, at end of input). */
    void emitAll(String projectId, String userId, Collector<MetricsRow> out) throws Exception {
        for (Map.Entry<String, Metrics[]> e : windows.entries()) {
            for (int i = 0; i < WINDOWS.length; i++) {
                if (e.getValue()[i] != null) {
                    out.collect(row(projectId, userId, e.getKey(), i, e.getValue()[i]));
                }
            }
        }
    }

    /** The user's clock: the watermark, or (until it has caught up with the restored clock) the user's own. */
    private long clock(long watermark) throws Exception {
        seenClock = Math.max(seenClock, watermark);
        if (watermark >= restoredClock) {
            return watermark; // no user of this subtask has rolled past the watermark
        }
        long[] p = progress.value();
        if (p == null) {
            // Nothing pending: nothing of the user can be subtracted twice, so it may take the
            // clock the restored subtasks had reached, and keeps it (its new timers come after it).
            progress.update(new long[] {restoredClock, 0});
            return restoredClock;
        }
        return Math.max(p[ROLLED_TO], watermark);
    }

    private long[] progress() throws Exception {
        long[] p = progress.value();
        return p != null ? p : new long[] {Long.MIN_VALUE, 0};
    }

    /** Records that (hour, env) has a bucket inside a window; reads and writes the progress only when the hour is new. */
    private void track(String env, long hourMillis, long clock, TimerService timers) throws Exception {
        long[] p = track(env, hourMillis, clock, timers, null);
        if (p != null) {
            progress.update(p);
        }
    }

    /**
     * The same, counting a new hour in p (read when null); registers the new hour's leave
     * timers. Returns p when it changed, else null.
     */
    private long[] track(String env, long hourMillis, long clock, TimerService timers, long[] p) throws Exception {
        String envs = windowHours.get(hourMillis);
        if (envs != null) {
            if (!contains(envs, env)) {
                windowHours.put(hourMillis, envs + "/" + env);
            }
            return null;
        }
        p = p != null ? p : progress();
        p[HOURS]++;
        windowHours.put(hourMillis, env);
        for (Window w : WINDOWS) {
            if (w.holds(hourMillis, clock)) {
                timers.registerEventTimeTimer(hourMillis + w.millis);
            }
        }
        return p;
    }

    private static boolean contains(String envs, String env) {
        for (String e : envs.split("/")) {
            if (e.equals(env)) {
                return true;
            }
        }
        return false;
    }

    private Metrics[] load(String key) throws Exception {
        Metrics[] w = windows.get(key);
        return w != null ? w : new Metrics[WINDOWS.length];
    }

    private void store(String key, Metrics[] w) throws Exception {
        for (Metrics m : w) {
            if (m != null) {
                windows.put(key, w);
                return;
            }
        }
        windows.remove(key);
    }

    /** m + sign * delta; null when the result is zero (nothing left of it). */
    private static Metrics plus(Metrics m, Metrics delta, int sign) {
        Metrics sum = m != null ? m : new Metrics();
        sum.add(delta, sign);
        return sum.isZero() ? null : sum;
    }

    private static MetricsRow row(String projectId, String userId, String env, int window, Metrics m) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_METRICS_WINDOWS;
        r.projectId = projectId;
        r.userId = userId;
        r.environment = env;
        r.subKey = WINDOWS[window].label;
        r.metrics = m != null ? m : new Metrics();
        return r;
    }
}
