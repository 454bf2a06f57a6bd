package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.testing.PrivateState;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The user stage's trailing windows against their definition, computed here from the hourly rows
 * the same stage emits: at clock C, the window of n hours of (user, environment) is the sum of the
 * user's hourly buckets h of that environment (or of all) with h + n hours > C.
 */
class TrailingWindowsTest {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final Map<String, Long> WINDOWS = Map.of("24h", DAY, "7d", 7 * DAY, "30d", 30 * DAY, "90d", 90 * DAY);
    /** An hour-aligned clock far from the epoch. */
    private static final long T0 = 20_000 * DAY;
    private static final int MAX_PARALLELISM = 128;

    private KeyedOneInputStreamOperatorTestHarness<String, Contribution, MetricsRow> harness;
    /** The latest value of every row any harness of the test emitted (what the sink holds). */
    private final Map<MetricsRow.RowKey, MetricsRow> sink = new LinkedHashMap<>();
    private long clock = Long.MIN_VALUE;

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Contribution, MetricsRow> open(OperatorSubtaskState from)
            throws Exception {
        return open(from, 1, 0);
    }

    /** Subtask {@code subtask} of {@code parallelism} (max parallelism {@value #MAX_PARALLELISM}). */
    private static KeyedOneInputStreamOperatorTestHarness<String, Contribution, MetricsRow> open(OperatorSubtaskState from,
            int parallelism, int subtask) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new FinalRowsOperator<>(new UserAggregator(), false),
                new Keys.ByUser(), Types.STRING, MAX_PARALLELISM, parallelism, subtask);
        h.setup();
        if (from != null) {
            h.initializeState(from);
        }
        h.open();
        return h;
    }

    /** A change of one bucket: observations, "input" tokens and cost (cost in 10^-12 units). */
    private static Contribution change(String user, String env, long hourMillis, int observations, long tokens, long picoCost) {
        Contribution c = new Contribution("p", user, env, hourMillis);
        c.delta.observations = observations;
        c.delta.usage.put("input", tokens);
        c.delta.usageKeyCount.put("input", (long) observations);
        c.delta.totalTokens = tokens;
        BigDecimal cost = BigDecimal.valueOf(picoCost, 12);
        c.delta.cost.put("input", cost);
        c.delta.costKeyCount.put("input", (long) observations);
        c.delta.totalCost = cost;
        return c;
    }

    private void send(Contribution c) throws Exception {
        harness.processElement(new StreamRecord<>(c));
        drain();
    }

    private void advanceTo(long time) throws Exception {
        clock = time;
        harness.processWatermark(new Watermark(time));
        drain();
    }

    private void drain() {
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof MetricsRow row) {
                sink.put(row.key(), row);
            }
        }
        harness.getOutput().clear();
    }

    /** Every window row the sink holds equals the sum of the hourly rows inside the window, and no other row exists. */
    private void assertWindowsMatchHourlyRows() {
        Map<String, Metrics> expected = new TreeMap<>();
        for (MetricsRow r : sink.values()) {
            if (r.table != SinkTable.USER_METRICS_HOURLY || r.isDelete()) {
                continue;
            }
            WINDOWS.forEach((label, length) -> {
                if (r.bucketStartMillis + length > clock) {
                    for (String env : List.of(r.environment, "")) {
                        expected.computeIfAbsent(r.userId + "|" + env + "|" + label, k -> new Metrics()).add(r.metrics, +1);
                    }
                }
            });
        }
        Map<String, String> want = new TreeMap<>();
        expected.forEach((k, m) -> want.put(k, text(m)));
        Map<String, String> have = new TreeMap<>();
        for (MetricsRow r : sink.values()) {
            if (r.table == SinkTable.USER_METRICS_WINDOWS && !r.isDelete()) {
                have.put(r.userId + "|" + r.environment + "|" + r.subKey, text(r.metrics));
            }
        }
        assertThat(have).as("windows at clock %d", clock).isEqualTo(want);
    }

    private static String text(Metrics m) {
        // The window table's columns (it has no per-key usage or cost).
        return m.traces + " traces, " + m.observations + " obs, " + m.scores + " scores, " + m.totalTokens + " tokens, input "
                + Metrics.tokensContaining(m.usage, "input") + ", output " + Metrics.tokensContaining(m.usage, "output") + ", cost "
                + m.totalCost.stripTrailingZeros().toPlainString() + ", input cost "
                + Metrics.costContaining(m.cost, "input").stripTrailingZeros().toPlainString();
    }

    private static Map<MetricsRow.RowKey, MetricsRow> windowRows(Map<MetricsRow.RowKey, MetricsRow> rows) {
        Map<MetricsRow.RowKey, MetricsRow> out = new LinkedHashMap<>();
        rows.forEach((k, r) -> {
            if (r.table == SinkTable.USER_METRICS_WINDOWS) {
                out.put(k, r);
            }
        });
        return out;
    }

    private MetricsRow window(String user, String env, String label) {
        return sink.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_WINDOWS, "p", user, env, 0, label));
    }

    @Test
    void eachWindowHoldsTheBucketsOfItsHoursAndLetsThemGoAsTheClockPasses() throws Exception {
        harness = open(null);
        advanceTo(T0 + 30 * 60_000); // 00:30 of a day
        send(change("u", "prod", T0, 1, 10, 1));               // this hour: in every window
        send(change("u", "prod", T0 - 23 * HOUR, 1, 20, 2));   // 23 hours ago: still in 24h
        send(change("u", "dev", T0 - 24 * HOUR, 1, 40, 4));    // 24 hours ago: 7d and longer
        send(change("u", "prod", T0 - 89 * DAY, 1, 80, 8));   // only 90d
        send(change("u", "prod", T0 - 90 * DAY, 1, 160, 16)); // in no window
        assertThat(window("u", "", "24h").metrics.totalTokens).isEqualTo(30);
        assertThat(window("u", "", "7d").metrics.totalTokens).isEqualTo(70);
        assertThat(window("u", "dev", "7d").metrics.totalTokens).isEqualTo(40);
        assertThat(window("u", "", "90d").metrics.totalTokens).isEqualTo(150);
        assertThat(window("u", "", "90d").metrics.totalCost).isEqualByComparingTo("0.000000000015");
        assertThat(window("u", "dev", "24h")).isNull();
        assertWindowsMatchHourlyRows();

        advanceTo(T0 + HOUR); // the bucket of 23 hours ago leaves 24h
        assertThat(window("u", "", "24h").metrics.totalTokens).isEqualTo(10);
        assertWindowsMatchHourlyRows();
        send(change("u", "prod", T0 - 23 * HOUR, 1, 1000, 0)); // late: no longer in 24h, still in 7d
        assertThat(window("u", "", "24h").metrics.totalTokens).isEqualTo(10);
        assertThat(window("u", "", "7d").metrics.totalTokens).isEqualTo(1070);
        assertWindowsMatchHourlyRows();

        advanceTo(T0 + 91 * DAY); // everything left every window: the rows are deletes
        assertThat(window("u", "", "90d").isDelete()).isTrue();
        assertWindowsMatchHourlyRows();
    }

    @Test
    void theFinalWatermarkRollsNothing() throws Exception {
        harness = open(null);
        advanceTo(T0);
        send(change("u", "prod", T0, 1, 10, 1));
        harness.processWatermark(new Watermark(Long.MAX_VALUE));
        drain();
        assertThat(window("u", "", "24h").metrics.totalTokens).isEqualTo(10);
    }

    @Test
    void aUserWhoseBucketsAllLeftKeepsNoWindowState() throws Exception {
        harness = open(null);
        advanceTo(T0);
        send(change("u", "prod", T0 - HOUR, 2, 10, 1));
        send(change("u", "prod", T0 - 2 * HOUR, 1, 10, 1));
        String key = Keys.of("p", "u");
        assertThat(PrivateState.keyed(harness, key, TrailingWindows.windowHoursDescriptor()).keys()).hasSize(2);
        advanceTo(T0 + 90 * DAY);
        assertThat(PrivateState.keyed(harness, key, TrailingWindows.stateDescriptor()).value()).isNull();
        assertThat(PrivateState.keyed(harness, key, TrailingWindows.windowHoursDescriptor()).isEmpty()).isTrue();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    /**
     * A user whose buckets all left (no window state any more) gets a late change of an old
     * bucket right after a restore, before the first watermark: the bucket was subtracted
     * before the checkpoint, so the change must not enter a window (the user takes the restored
     * clock, not the watermark's "nothing yet").
     */
    @Test
    void aLateChangeRightAfterARestoreDoesNotBringBackABucketThatLeft() throws Exception {
        harness = open(null);
        advanceTo(T0);
        send(change("u", "prod", T0 - 2 * HOUR, 1, 10, 1));
        advanceTo(T0 + 91 * DAY);
        assertThat(window("u", "", "90d").isDelete()).isTrue();
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = open(snapshot);
        send(change("u", "prod", T0 - 2 * HOUR, 1, 5, 1));
        advanceTo(T0 + 91 * DAY);
        assertWindowsMatchHourlyRows();
        assertThat(window("u", "", "90d").isDelete()).isTrue();
    }

    /**
     * A bucket tracked when it was already too old for the 24-hour window joined only the longer
     * ones; its user has processed no leave time yet. A change of it right after a restore,
     * before the first watermark, must stay out of the 24-hour window as well (the hour's state
     * says so, not the unknown clock): without that rule the window would go negative.
     */
    @Test
    void aBucketThatJoinedOnlyTheLongerWindowsStaysOutOfTheShorterOnesAfterARestore() throws Exception {
        harness = open(null);
        advanceTo(T0 + 30 * 60_000);
        send(change("u", "prod", T0 - 30 * HOUR, 2, 10, 1)); // 7d and longer
        send(change("u", "prod", T0, 1, 5, 1));              // every window
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = open(snapshot);
        send(change("u", "prod", T0 - 30 * HOUR, -2, -10, -1)); // retracted (the trace moved to another user)
        send(change("u", "dev", T0 - 30 * HOUR, 1, 7, 1));      // a new environment of the same hour
        assertThat(window("u", "", "24h").metrics.totalTokens).isEqualTo(5);
        assertThat(window("u", "dev", "24h")).isNull();
        assertThat(window("u", "", "7d").metrics.totalTokens).isEqualTo(12);
        advanceTo(T0 + 30 * 60_000);
        assertWindowsMatchHourlyRows();
        advanceTo(T0 + 7 * DAY);
        assertWindowsMatchHourlyRows();
    }

    /**
     * Rescaling merges keys of subtasks whose clocks differ: user a comes from a subtask at T0
     * (a bucket's 7-day leave timer pending at T0 + 2 h), the restored clock is the other
     * subtask's T0 + 3 h. A new hour of a that is already out of the 24-hour window at the
     * restored clock joins only the longer windows, and a's pending timer at T0 + 2 h — which is
     * also that hour's 24-hour leave time — must not subtract it from the 24-hour window.
     */
    @Test
    void keysOfASubtaskWhoseClockWasBehindStayExactAfterRescaling() throws Exception {
        String a = userOfSubtask(0, 2);
        String b = userOfSubtask(1, 2);
        harness = open(null, 2, 0);
        advanceTo(T0);
        send(change(a, "prod", T0 - 7 * DAY + 2 * HOUR, 1, 10, 1)); // 7d and 30d, 90d; leaves 7d at T0 + 2 h
        OperatorSubtaskState behind = harness.snapshot(1, 1);
        harness.close();
        harness = open(null, 2, 1);
        advanceTo(T0 + 3 * HOUR);
        send(change(b, "prod", T0, 1, 20, 1));
        OperatorSubtaskState ahead = harness.snapshot(1, 1);
        harness.close();

        harness = open(AbstractStreamOperatorTestHarness.repackageState(behind, ahead), 1, 0);
        send(change(a, "prod", T0 - 22 * HOUR, 1, 40, 1)); // at T0 + 3 h: out of 24h already
        advanceTo(T0 + 3 * HOUR);
        assertThat(window(a, "", "24h")).isNull();
        assertThat(window(a, "", "7d").metrics.totalTokens).isEqualTo(40);
        assertWindowsMatchHourlyRows();
        advanceTo(T0 + 8 * DAY);
        assertWindowsMatchHourlyRows();
    }

    /** A user id whose key goes to this subtask of {@code parallelism}. */
    private static String userOfSubtask(int subtask, int parallelism) {
        for (int i = 0; ; i++) {
            String user = "user-" + i;
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(Keys.of("p", user), MAX_PARALLELISM, parallelism) == subtask) {
                return user;
            }
        }
    }

    /**
     * Random changes (also late ones, retractions, hours ahead of the clock, two environments)
     * and clock moves, with a restore from a snapshot in the middle — after which the watermark
     * starts from nothing again while the restored timers are pending: the windows match their
     * definition after every clock move, before and after the restore.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomChangesClockMovesAndARestoreKeepEveryWindowExact(long seed) throws Exception {
        Random random = new Random(seed);
        harness = open(null);
        long now = T0;
        advanceTo(now);
        List<Contribution> sent = new ArrayList<>();
        for (int step = 0; step < 400; step++) {
            int action = random.nextInt(10);
            if (step == 200) {
                OperatorSubtaskState snapshot = harness.snapshot(1, 1);
                harness.close();
                harness = open(snapshot);
                // Changes before the first watermark after the restore (the clock is unknown there).
                for (int i = 0; i < 20; i++) {
                    Contribution c = randomChange(random, now);
                    sent.add(c);
                    send(c);
                }
                advanceTo(now);
                assertWindowsMatchHourlyRows();
            } else if (action < 6) {
                Contribution c = randomChange(random, now);
                sent.add(c);
                send(c);
            } else if (action < 8 && !sent.isEmpty()) {
                Contribution undo = sent.remove(random.nextInt(sent.size()));
                Contribution c = new Contribution("p", undo.userId, undo.environment, undo.hourStartMillis);
                c.delta.add(undo.delta, -1);
                send(c);
            } else {
                now += random.nextInt(4) == 0 ? random.nextInt(40) * DAY : random.nextInt(30) * HOUR + random.nextInt(3_600) * 1000L;
                advanceTo(now);
                assertWindowsMatchHourlyRows();
            }
        }
        advanceTo(now + HOUR);
        assertWindowsMatchHourlyRows();
    }

    private static Contribution randomChange(Random random, long now) {
        long hour = Math.floorDiv(now, HOUR) * HOUR;
        long offset = switch (random.nextInt(4)) {
            case 0 -> random.nextInt(30) * HOUR;          // the last day or so
            case 1 -> random.nextInt(100) * DAY;          // up to 100 days ago
            case 2 -> random.nextInt(24 * 10) * HOUR;     // the last 10 days
            default -> -random.nextInt(3) * HOUR;         // ahead of the clock
        };
        return change("u" + random.nextInt(3), random.nextBoolean() ? "prod" : "dev", hour - offset, 1 + random.nextInt(3),
                random.nextInt(1000), random.nextInt(1_000_000));
    }

    /**
     * State of a version without windows (here: the same state with the window states and the
     * operator state removed) is upgraded on open: every user's windows are built from its
     * hourly buckets and emitted, and those already due leave with the first watermark.
     */
    @Test
    void stateWithoutWindowsIsUpgradedOnOpen() throws Exception {
        harness = open(null);
        Random random = new Random(7);
        long now = T0;
        for (int i = 0; i < 200; i++) {
            send(randomChange(random, now));
        }
        for (String user : List.of("u0", "u1", "u2")) {
            String key = Keys.of("p", user);
            PrivateState.keyed(harness, key, TrailingWindows.stateDescriptor()).clear();
            PrivateState.keyed(harness, key, TrailingWindows.windowHoursDescriptor()).clear();
        }
        OperatorSubtaskState full = harness.snapshot(1, 1);
        OperatorSubtaskState withoutWindows = OperatorSubtaskState.builder()
                .setManagedKeyedState(full.getManagedKeyedState())
                .setRawKeyedState(full.getRawKeyedState())
                .build();
        harness.close();
        sink.entrySet().removeIf(e -> e.getValue().table == SinkTable.USER_METRICS_WINDOWS);

        harness = open(withoutWindows);
        drain();
        assertThat(windowRows(sink)).isNotEmpty(); // built and emitted on open, before any watermark
        assertWindowsMatchHourlyRows(); // clock unknown: every bucket counts
        advanceTo(now);
        assertWindowsMatchHourlyRows();
        for (int i = 0; i < 100; i++) {
            send(randomChange(random, now));
        }
        advanceTo(now + 3 * DAY);
        assertWindowsMatchHourlyRows();
    }
}
