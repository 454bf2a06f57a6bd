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
 *   <li>{@code windows}: environment ("" = all environments) → one {@link Metrics} per window
 *       ({@link Window} order; null = empty); an entry goes when all its windows are empty.</li>
 *   <li>{@code window-hours}: bucket hour → the first window it joined ("i:", omitted for 0) and
 *       the environments ("/"-joined) that had a bucket at that hour while it was inside a window:
 *       what a leave timer subtracts. Removed when the hour leaves the longest window; at most
 *       2,160 entries.</li>
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
        long watermark = timers.currentWatermark();
        seenClock = Math.max(seenClock, watermark);
        boolean caughtUp = watermark >= restoredClock;
        if (caughtUp && !LONGEST.holds(hourMillis, watermark)) {
            return; // older than every window: nothing to read
        }
        String tracked = windowHours.get(hourMillis);
        long clock;
        int first;
        if (tracked != null) {
            // The hour's windows were decided when it was tracked (first) and have left since by
            // the user's own timers: its state tells, whatever the restored clock is.
            first = firstWindow(tracked);
            clock = caughtUp ? watermark : Math.max(progress()[ROLLED_TO], watermark);
        } else {
            // No window holds this bucket and no timer of it is pending: any clock up to the
            // restored one is consistent with the user's state, the restored one is the truest.
            clock = caughtUp ? watermark : restoredClock;
            first = firstHolding(hourMillis, clock);
            if (first == WINDOWS.length) {
                return;
            }
        }
        Metrics[] inEnv = load(env);
        Metrics[] all = load(ALL);
        boolean[] in = new boolean[WINDOWS.length];
        for (int i = first; i < WINDOWS.length; i++) {
            if (WINDOWS[i].holds(hourMillis, clock)) {
                in[i] = true;
                inEnv[i] = plus(inEnv[i], delta, +1);
                all[i] = plus(all[i], delta, +1);
            }
        }
        if (tracked == null) {
            long[] p = progress();
            newHour(env, hourMillis, first, timers, p);
            progress.update(p);
        } else {
            addEnvironment(hourMillis, tracked, env);
        }
        store(env, inEnv);
        store(ALL, all);
        for (int i = first; i < WINDOWS.length; i++) {
            if (in[i]) {
                out.collect(row(projectId, userId, env, i, inEnv[i]));
                out.collect(row(projectId, userId, ALL, i, all[i]));
            }
        }
    }

    /** A leave time of the user: subtracts the buckets that leave a window now and emits the changed rows. */
    void onTimer(String projectId, String userId, long time, Collector<MetricsRow> out) throws Exception {
        seenClock = Math.max(seenClock, time);
        long[] p = progress();
        p[ROLLED_TO] = Math.max(p[ROLLED_TO], time); // timers fire in time order: the user's latest leave time
        Map<String, Changed> changed = new LinkedHashMap<>();
        for (int i = 0; i < WINDOWS.length; i++) {
            long hour = time - WINDOWS[i].millis;
            String tracked = windowHours.get(hour);
            if (tracked == null) {
                continue;
            }
            // A timer of another hour may share this time: only an hour that joined window i leaves it.
            if (firstWindow(tracked) <= i) {
                for (String env : environments(tracked).split(ENV_SEPARATOR)) {
                    Metrics bucket = hourly.get(StateKeys.bucket(hour, env));
                    if (bucket == null) {
                        continue;
                    }
                    for (String key : new String[] {env, ALL}) {
                        Changed c = changed.get(key);
                        if (c == null) {
                            c = new Changed(load(key));
                            changed.put(key, c);
                        }
                        c.windows[i] = plus(c.windows[i], bucket, -1);
                        c.touched[i] = true;
                    }
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
        for (Map.Entry<String, Changed> e : changed.entrySet()) {
            Changed c = e.getValue();
            store(e.getKey(), c.windows);
            for (int i = 0; i < WINDOWS.length; i++) {
                if (c.touched[i]) {
                    out.collect(row(projectId, userId, e.getKey(), i, c.windows[i]));
                }
            }
        }
    }

    /** The windows of one key a leave time changed, and which of them. */
    private static final class Changed {
        final Metrics[] windows;
        final boolean[] touched = new boolean[WINDOWS.length];

        Changed(Metrics[] windows) {
            this.windows = windows;
        }
    }

    /**
     * Builds the user's windows from its hourly buckets (state restored from a version without
     * windows): at this point the watermark is unknown, so every bucket counts as inside and its
     * leave timers are registered; those already due fire with the first watermark. Emits the
     * built rows.
     */
    void buildFromHourly(String projectId, String userId, TimerService timers, Collector<MetricsRow> out) throws Exception {
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
            String tracked = windowHours.get(hour);
            if (tracked == null) {
                newHour(env, hour, 0, timers, p);
            } else {
                addEnvironment(hour, tracked, env);
            }
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

    private long[] progress() throws Exception {
        long[] p = progress.value();
        return p != null ? p : new long[] {Long.MIN_VALUE, 0};
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
     * {@code window-hours} entry, counted in p, and its leave timers.
     */
    private void newHour(String env, long hourMillis, int first, TimerService timers, long[] p) throws Exception {
        p[HOURS]++;
        windowHours.put(hourMillis, first == 0 ? env : "" + first + FIRST_SEPARATOR + env);
        for (int i = first; i < WINDOWS.length; i++) {
            timers.registerEventTimeTimer(hourMillis + WINDOWS[i].millis);
        }
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
