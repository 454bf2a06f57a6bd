package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.testing.PrivateState;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UserAggregatorTest {
    private static final long HOUR = 3_600_000L;
    private static final long SEC = 1_000_000_000L;
    /** UserAggregator's trace-times state (it has no descriptor method for it). */
    private static final MapStateDescriptor<String, Long> TRACE_TIMES = new MapStateDescriptor<>("trace-times", Types.STRING, Types.LONG);
    private KeyedOneInputStreamOperatorTestHarness<String, Contribution, MetricsRow> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new UserAggregator()), new Keys.ByUser(), Types.STRING);
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static Contribution trace(String user, long timeSec, int sign) {
        Contribution c = new Contribution("p", user, "default", Math.floorDiv(timeSec, 3600) * HOUR);
        c.addTrace(timeSec * SEC, sign);
        return c;
    }

    private static Contribution observation(String user, long timeSec, int sign, long input, String cost) {
        Metrics one = new Metrics();
        one.observations = 1;
        one.usage.put("input", input);
        one.usageKeyCount.put("input", 1L);
        one.costKeyCount.put("input", 1L);
        one.totalTokens = input;
        one.cost.put("input", new BigDecimal(cost));
        one.totalCost = new BigDecimal(cost);
        Contribution c = new Contribution("p", user, "default", Math.floorDiv(timeSec, 3600) * HOUR);
        c.delta.add(one, sign);
        return c;
    }

    private void send(Contribution... cs) throws Exception {
        for (Contribution c : cs) {
            harness.processElement(new StreamRecord<>(c));
        }
    }

    /** The latest emitted value per row (what the sink ends up holding). */
    private Map<MetricsRow.RowKey, MetricsRow> latestRows() {
        Map<MetricsRow.RowKey, MetricsRow> rows = new LinkedHashMap<>();
        for (MetricsRow r : harness.extractOutputValues()) {
            rows.put(r.key(), r);
        }
        return rows;
    }

    /**
     * Every state entry is gone — once the clock has passed the trailing windows (the hours a
     * user was active in keep their window bookkeeping and leave timers until then).
     */
    private void assertNoStateOnceTheWindowsPassed() throws Exception {
        harness.processWatermark(new Watermark(1000L * 24 * HOUR));
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(PrivateState.keyedEntries(harness)).isZero();
    }

    @Test
    void sumsIntoTotalsHoursAndDays() throws Exception {
        send(trace("u1", 7200 + 5, +1),
                observation("u1", 7200 + 10, +1, 3_000_000_000L, "0.000000000001"),
                observation("u1", 90_000, +1, 2, "0.5"),
                trace("u1", 100, +1));
        Map<MetricsRow.RowKey, MetricsRow> rows = latestRows();

        MetricsRow total = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS, "p", "u1", null, 0, null));
        assertThat(total.metrics.traces).isEqualTo(2);
        assertThat(total.metrics.observations).isEqualTo(2);
        assertThat(total.metrics.usage).isEqualTo(Map.of("input", 3_000_000_002L));
        assertThat(total.metrics.totalCost).isEqualByComparingTo("0.500000000001");
        assertThat(total.firstSeenNanos).isEqualTo(100 * SEC);
        assertThat(total.lastSeenNanos).isEqualTo((7200 + 5) * SEC);

        MetricsRow hour2 = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_HOURLY, "p", "u1", "default", 2 * HOUR, null));
        assertThat(hour2.metrics.traces).isEqualTo(1);
        assertThat(hour2.metrics.observations).isEqualTo(1);
        MetricsRow day0 = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_DAILY, "p", "u1", "default", 0, null));
        assertThat(day0.metrics.traces).isEqualTo(2);
        assertThat(day0.metrics.observations).isEqualTo(1);
        MetricsRow day1 = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_DAILY, "p", "u1", "default", 24 * HOUR, null));
        assertThat(day1.metrics.observations).isEqualTo(1);
        assertThat(day1.metrics.traces).isZero();
    }

    @Test
    void stateHoldsTotalsBucketsAndTraceTimes() throws Exception {
        send(trace("u1", 100, +1), trace("u1", 100, +1), observation("u1", 3700, +1, 5, "0.1"));
        String key = Keys.of("p", "u1");
        UserTotals totals = PrivateState.keyed(harness, key, UserAggregator.totalsDescriptor()).value();
        assertThat(totals.metrics.traces).isEqualTo(2);
        assertThat(totals.metrics.observations).isEqualTo(1);
        assertThat(totals.firstSeenNanos).isEqualTo(100 * SEC);
        var hourly = PrivateState.keyed(harness, key, UserAggregator.bucketsDescriptor("hourly"));
        assertThat(hourly.get("0/default").traces).isEqualTo(2);
        assertThat(hourly.get(HOUR + "/default").observations).isEqualTo(1);
        var traceTimes = PrivateState.keyed(harness, key, TRACE_TIMES);
        assertThat(traceTimes.get(100 * SEC + "/default")).isEqualTo(2L);
    }

    private static Contribution settled(String user, long timeSec) {
        Contribution c = new Contribution("p", user, "default", Math.floorDiv(timeSec, 3600) * HOUR);
        c.settleTrace(timeSec * SEC);
        return c;
    }

    @Test
    void aSettledTraceLeavesTraceTimesButStillBoundsFirstAndLastSeen() throws Exception {
        send(trace("u1", 100, +1), trace("u1", 200, +1), trace("u1", 300, +1));
        int rowsBefore = harness.extractOutputValues().size();
        send(settled("u1", 100));
        // Settling changes no value: no row is written, and the trace-times entry is gone.
        assertThat(harness.extractOutputValues()).hasSize(rowsBefore);
        var traceTimes = PrivateState.keyed(harness, Keys.of("p", "u1"), TRACE_TIMES);
        assertThat(traceTimes.keys()).containsExactlyInAnyOrder(200 * SEC + "/default", 300 * SEC + "/default");

        // The other two traces leave (e.g. they moved to another user): the settled one still
        // makes first and last seen, although its entry is gone.
        send(trace("u1", 200, -1), trace("u1", 300, -1));
        MetricsRow total = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_METRICS, "p", "u1", null, 0, null));
        assertThat(total.metrics.traces).isEqualTo(1);
        assertThat(total.firstSeenNanos).isEqualTo(100 * SEC);
        assertThat(total.lastSeenNanos).isEqualTo(100 * SEC);
        MetricsRow env = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_METRICS_ENV, "p", "u1", "default", 0, null));
        assertThat(env.lastSeenNanos).isEqualTo(100 * SEC);
    }

    @Test
    void aSettledScoreStillBoundsLastScoreAt() throws Exception {
        var numeric = dev.usermetrics.records.ScoreDataType.NUMERIC;
        send(scoreIn("u1", "default", 500, +1, "q", numeric, "1", null),
                scoreIn("u1", "default", 900, +1, "q", numeric, "2", null));
        Contribution settle = new Contribution("p", "u1", "default", 0);
        settle.settleScore("NUMERIC:q", 500 * SEC);
        send(settle);
        send(scoreIn("u1", "default", 900, -1, "q", numeric, "2", null));
        MetricsRow row = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_SCORES, "p", "u1", null, 0, "NUMERIC:q"));
        assertThat(row.score.count).isEqualTo(1);
        assertThat(row.score.valueSum).isEqualByComparingTo("1");
        assertThat(row.score.lastScoreAtNanos).isEqualTo(500 * SEC);
    }

    @Test
    void firstAndLastSeenAreRecomputedWhenATraceLeaves() throws Exception {
        send(trace("u1", 100, +1), trace("u1", 200, +1), trace("u1", 300, +1));
        send(trace("u1", 100, -1), trace("u1", 300, -1));
        MetricsRow total = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_METRICS, "p", "u1", null, 0, null));
        assertThat(total.firstSeenNanos).isEqualTo(200 * SEC);
        assertThat(total.lastSeenNanos).isEqualTo(200 * SEC);
    }

    @Test
    void combinedContributionsGiveTheSameResultAsSingleOnes() throws Exception {
        // What the combiner sends for: +trace@100, +trace@200, -trace@100 and two observations.
        Contribution combined = trace("u1", 100, +1);
        combined.add(trace("u1", 200, +1));
        combined.add(trace("u1", 100, -1));
        combined.add(observation("u1", 150, +1, 5, "0.25"));
        combined.add(observation("u1", 160, +1, 7, "0.5"));
        assertThat(combined.traceTimes).isEqualTo(Map.of(200 * SEC, 1L));
        send(combined);
        MetricsRow total = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_METRICS, "p", "u1", null, 0, null));
        assertThat(total.metrics.traces).isEqualTo(1);
        assertThat(total.metrics.observations).isEqualTo(2);
        assertThat(total.metrics.usage).isEqualTo(Map.of("input", 12L));
        assertThat(total.metrics.totalCost).isEqualByComparingTo("0.75");
        assertThat(total.firstSeenNanos).isEqualTo(200 * SEC);
        assertThat(total.lastSeenNanos).isEqualTo(200 * SEC);
    }

    @Test
    void allStateIsRemovedWhenAUsersContributionsNetToZero() throws Exception {
        send(trace("u1", 100, +1), observation("u1", 100, +1, 5, "0.1"), observation("u1", 4000, +1, 6, "0.2"));
        assertThat(PrivateState.keyedEntries(harness)).isGreaterThan(0);

        send(observation("u1", 4000, -1, 6, "0.2"), observation("u1", 100, -1, 5, "0.1"), trace("u1", 100, -1));
        assertNoStateOnceTheWindowsPassed();
        // Every row it had is now a delete.
        assertThat(latestRows().values()).allSatisfy(r -> assertThat(r.isDelete()).isTrue());
        // user_metrics, user_metrics_env, two hours, one day, 4 windows in the environment and over all.
        assertThat(latestRows()).hasSize(1 + 1 + 2 + 1 + 4 * 2);
    }

    private static Contribution scoreIn(String user, String env, long timeSec, int sign, String name,
            dev.usermetrics.records.ScoreDataType type, String value, String label) {
        Contribution c = new Contribution("p", user, env, Math.floorDiv(timeSec, 3600) * HOUR);
        c.addScore(name, type, value == null ? null : new BigDecimal(value), label, timeSec * SEC, sign);
        return c;
    }

    private static Contribution traceIn(String user, String env, long timeSec, int sign) {
        Contribution c = new Contribution("p", user, env, Math.floorDiv(timeSec, 3600) * HOUR);
        c.addTrace(timeSec * SEC, sign);
        return c;
    }

    private static Contribution traceInSession(String user, String env, long timeSec, int sign, String session) {
        Contribution c = traceIn(user, env, timeSec, sign);
        c.addSessionTrace(session, sign);
        return c;
    }

    private long sessionCount(String env) {
        MetricsRow r = latestRows().get(new MetricsRow.RowKey(env == null ? SinkTable.USER_METRICS : SinkTable.USER_METRICS_ENV,
                "p", "u1", env, 0, null));
        return r.sessionCount;
    }

    /**
     * Distinct sessions with a trace of the user, overall and per environment: a session with
     * traces in two environments counts once overall; it stops counting with its last trace (a
     * trace that moved to another user or session), and a session change alone writes the rows.
     */
    @Test
    void sessionsAreCountedDistinctOverallAndPerEnvironment() throws Exception {
        send(traceInSession("u1", "production", 100, +1, "s1"), traceInSession("u1", "production", 200, +1, "s1"),
                traceInSession("u1", "staging", 300, +1, "s1"), traceInSession("u1", "staging", 400, +1, "s2"),
                traceIn("u1", "staging", 500, +1));
        assertThat(sessionCount(null)).isEqualTo(2);
        assertThat(sessionCount("production")).isEqualTo(1);
        assertThat(sessionCount("staging")).isEqualTo(2);

        // The trace at 300 moves from session s1 to s2 (same user, environment and time): only sessions change.
        Contribution moved = new Contribution("p", "u1", "staging", 0);
        moved.addSessionTrace("s1", -1);
        moved.addSessionTrace("s2", +1);
        int before = harness.extractOutputValues().size();
        send(moved);
        assertThat(harness.extractOutputValues().size()).isGreaterThan(before);
        assertThat(sessionCount(null)).isEqualTo(2); // s1 still has production traces
        assertThat(sessionCount("staging")).isEqualTo(1);

        // Both production traces leave (another user): s1 is gone everywhere.
        send(traceInSession("u1", "production", 100, -1, "s1"), traceInSession("u1", "production", 200, -1, "s1"));
        assertThat(sessionCount(null)).isEqualTo(1);
        assertThat(latestRows().get(new MetricsRow.RowKey(SinkTable.USER_METRICS_ENV, "p", "u1", "production", 0, null)).isDelete())
                .isTrue();
        assertThat(PrivateState.keyed(harness, Keys.of("p", "u1"), UserAggregator.sessionsDescriptor()).keys())
                .containsExactlyInAnyOrder("/s2", "staging/s2");
    }

    @Test
    void environmentsHaveTheirOwnTotalsAndBucketsAndShareTheUserTotal() throws Exception {
        send(traceIn("u1", "production", 100, +1), traceIn("u1", "staging", 5000, +1), traceIn("u1", "production", 9000, +1));
        Map<MetricsRow.RowKey, MetricsRow> rows = latestRows();
        MetricsRow all = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS, "p", "u1", null, 0, null));
        assertThat(all.metrics.traces).isEqualTo(3);
        assertThat(all.firstSeenNanos).isEqualTo(100 * SEC);
        assertThat(all.lastSeenNanos).isEqualTo(9000 * SEC);
        MetricsRow staging = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_ENV, "p", "u1", "staging", 0, null));
        assertThat(staging.metrics.traces).isEqualTo(1);
        assertThat(staging.firstSeenNanos).isEqualTo(5000 * SEC);
        assertThat(staging.lastSeenNanos).isEqualTo(5000 * SEC);
        assertThat(rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_DAILY, "p", "u1", "production", 0, null)).metrics.traces).isEqualTo(2);

        // The production trace at 9000 moves to staging: both environments' first/last follow.
        send(traceIn("u1", "production", 9000, -1), traceIn("u1", "staging", 9000, +1));
        rows = latestRows();
        MetricsRow prod = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_ENV, "p", "u1", "production", 0, null));
        assertThat(prod.lastSeenNanos).isEqualTo(100 * SEC);
        staging = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_ENV, "p", "u1", "staging", 0, null));
        assertThat(staging.lastSeenNanos).isEqualTo(9000 * SEC);
        assertThat(rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS, "p", "u1", null, 0, null)).lastSeenNanos).isEqualTo(9000 * SEC);
    }

    @Test
    void modelRowsArePerDayEnvironmentAndModel() throws Exception {
        Contribution a = new Contribution("p", "u1", "default", 0);
        Metrics one = new Metrics();
        one.observations = 1;
        one.usage.put("input_cached", 4L);
        one.usageKeyCount.put("input_cached", 1L);
        one.totalTokens = 4;
        a.addObservation("gpt-4o", one, false, +1);
        a.addObservation("gpt-4o", one, false, +1);
        a.addObservation(null, one, false, +1);
        send(a);
        Map<MetricsRow.RowKey, MetricsRow> rows = latestRows();
        MetricsRow gpt = rows.get(new MetricsRow.RowKey(SinkTable.USER_MODEL_METRICS_DAILY, "p", "u1", "default", 0, "gpt-4o"));
        assertThat(gpt.modelMetrics.observations).isEqualTo(2);
        assertThat(gpt.modelMetrics.inputTokens).isEqualTo(8);
        assertThat(rows.get(new MetricsRow.RowKey(SinkTable.USER_MODEL_METRICS_DAILY, "p", "u1", "default", 0, "")).modelMetrics.observations).isEqualTo(1);
    }

    @Test
    void scoresAreSummedAndLastScoreAtIsRecomputedWhenTheLatestLeaves() throws Exception {
        var bool = dev.usermetrics.records.ScoreDataType.BOOLEAN;
        send(scoreIn("u1", "default", 100, +1, "helpful", bool, "1", "True"),
                scoreIn("u1", "production", 7200, +1, "helpful", bool, "0", "False"),
                scoreIn("u1", "default", 9000, +1, "helpful", bool, "1", "True"));
        MetricsRow row = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_SCORES, "p", "u1", null, 0, "BOOLEAN:helpful"));
        assertThat(row.score.count).isEqualTo(3);
        assertThat(row.score.valueSum).isEqualByComparingTo("2");
        assertThat(row.score.labels).isEqualTo(Map.of("True", 2L, "False", 1L));
        assertThat(row.score.lastScoreAtNanos).isEqualTo(9000 * SEC);

        send(scoreIn("u1", "default", 9000, -1, "helpful", bool, "1", "True"));
        row = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_SCORES, "p", "u1", null, 0, "BOOLEAN:helpful"));
        assertThat(row.score.count).isEqualTo(2);
        assertThat(row.score.lastScoreAtNanos).isEqualTo(7200 * SEC);
        assertThat(latestRows().get(new MetricsRow.RowKey(SinkTable.USER_METRICS, "p", "u1", null, 0, null)).metrics.scores).isEqualTo(2);

        send(scoreIn("u1", "default", 100, -1, "helpful", bool, "1", "True"),
                scoreIn("u1", "production", 7200, -1, "helpful", bool, "0", "False"));
        row = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_SCORES, "p", "u1", null, 0, "BOOLEAN:helpful"));
        assertThat(row.isDelete()).isTrue();
        assertThat(row.score.lastScoreAtNanos).isNull();
        assertNoStateOnceTheWindowsPassed();
    }

    @Test
    void usersAreCountedWhenTheyAppearAndWhenTheyDisappear() throws Exception {
        send(traceIn("u1", "production", 100, +1), traceIn("u1", "production", 200, +1), traceIn("u1", "staging", 300, +1));
        send(traceIn("u1", "production", 100, -1), traceIn("u1", "production", 200, -1));
        send(traceIn("u1", "staging", 300, -1));
        assertThat(harness.getSideOutput(UserAggregator.USER_COUNT_CHANGES)).extracting(r -> r.getValue().environment + ":" + r.getValue().delta)
                .containsExactly("null:1", "production:1", "staging:1", "production:-1", "null:-1", "staging:-1");
    }

    private long indexEntries(String user) throws Exception {
        long n = 0;
        for (var ignored : PrivateState.keyed(harness, Keys.of("p", user), TimeIndex.descriptor()).keys()) {
            n++;
        }
        return n;
    }

    /**
     * A user with far more open traces than the index threshold, in two environments, whose
     * traces move away (and some back) in random order: after every step first/last seen (all
     * environments and each) equal a brute-force recomputation. The first removal of an extreme
     * builds the user's time index; when every trace has gone, no state is left.
     */
    @Test
    void firstAndLastSeenStayExactForAUserWithManyTracesThroughTheTimeIndex() throws Exception {
        java.util.Random random = new java.util.Random(7);
        String[] envs = {"production", "staging"};
        java.util.List<long[]> open = new java.util.ArrayList<>(); // {timeSec, env}
        for (int i = 0; i < 1_000; i++) {
            long t = 1_000 + random.nextInt(400_000);
            int e = random.nextInt(2);
            open.add(new long[] {t, e});
            send(traceIn("u1", envs[e], t, +1));
        }
        long built = -1;
        for (int step = 0; step < 1_300 && !open.isEmpty(); step++) {
            // Mostly the newest or oldest trace leaves (the expensive case), sometimes any, sometimes one comes back.
            open.sort(java.util.Comparator.comparingLong(a -> a[0]));
            int r = random.nextInt(10);
            if (r == 0 && step < 1_000) {
                long[] back = {1_000 + random.nextInt(400_000), random.nextInt(2)};
                open.add(back);
                send(traceIn("u1", envs[(int) back[1]], back[0], +1));
            } else {
                long[] gone = open.remove(r < 5 ? open.size() - 1 : r < 8 ? 0 : random.nextInt(open.size()));
                send(traceIn("u1", envs[(int) gone[1]], gone[0], -1));
            }
            if (built < 0 && step > 0) {
                built = indexEntries("u1");
                assertThat(built).as("the time index is built by the first rescan of a large user").isGreaterThan(0);
            }
            if (open.isEmpty()) {
                break;
            }
            Map<MetricsRow.RowKey, MetricsRow> rows = latestRows();
            MetricsRow all = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS, "p", "u1", null, 0, null));
            assertThat(all.firstSeenNanos).isEqualTo(open.stream().mapToLong(a -> a[0]).min().getAsLong() * SEC);
            assertThat(all.lastSeenNanos).isEqualTo(open.stream().mapToLong(a -> a[0]).max().getAsLong() * SEC);
            for (int e = 0; e < 2; e++) {
                final int env = e;
                var times = open.stream().filter(a -> a[1] == env).mapToLong(a -> a[0]).summaryStatistics();
                MetricsRow inEnv = rows.get(new MetricsRow.RowKey(SinkTable.USER_METRICS_ENV, "p", "u1", envs[e], 0, null));
                if (times.getCount() > 0) {
                    assertThat(inEnv.firstSeenNanos).isEqualTo(times.getMin() * SEC);
                    assertThat(inEnv.lastSeenNanos).isEqualTo(times.getMax() * SEC);
                }
            }
        }
        for (long[] rest : open) {
            send(traceIn("u1", envs[(int) rest[1]], rest[0], -1));
        }
        assertNoStateOnceTheWindowsPassed();
    }

    /** The same for last_score_at of one score name among many, with far more score times than the threshold. */
    @Test
    void lastScoreAtStaysExactForAUserWithManyScoresThroughTheTimeIndex() throws Exception {
        var numeric = dev.usermetrics.records.ScoreDataType.NUMERIC;
        java.util.Random random = new java.util.Random(11);
        String[] names = {"accuracy", "helpfulness", "toxicity"};
        java.util.List<long[]> open = new java.util.ArrayList<>(); // {timeSec, name}
        for (int i = 0; i < 900; i++) {
            long[] s = {1_000 + random.nextInt(100_000), random.nextInt(3)};
            open.add(s);
            send(scoreIn("u1", "default", s[0], +1, names[(int) s[1]], numeric, "1", null));
        }
        while (!open.isEmpty()) {
            open.sort(java.util.Comparator.comparingLong(a -> a[0]));
            long[] gone = open.remove(random.nextInt(4) == 0 ? random.nextInt(open.size()) : open.size() - 1);
            send(scoreIn("u1", "default", gone[0], -1, names[(int) gone[1]], numeric, "1", null));
            var times = open.stream().filter(a -> a[1] == gone[1]).mapToLong(a -> a[0]).summaryStatistics();
            MetricsRow row = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_SCORES, "p", "u1", null, 0,
                    dev.usermetrics.records.ScoreDelta.key(names[(int) gone[1]], numeric)));
            if (times.getCount() > 0) {
                assertThat(row.score.lastScoreAtNanos).isEqualTo(times.getMax() * SEC);
            } else {
                assertThat(row.isDelete()).isTrue();
            }
            if (open.size() == 850) {
                assertThat(indexEntries("u1")).as("the time index is built by the first rescan of a large user").isGreaterThan(0);
            }
        }
        assertNoStateOnceTheWindowsPassed();
    }

    /**
     * The score index goes with the user's last open score time also when one update removes it
     * and adds another (settled first, then the new time): the new time is not indexed without
     * the index, so nothing of the index is left behind.
     */
    @Test
    void theScoreIndexGoesWithTheLastOpenScoreTimeEvenInsideOneUpdate() throws Exception {
        var numeric = dev.usermetrics.records.ScoreDataType.NUMERIC;
        for (int i = 1; i <= 300; i++) {
            send(scoreIn("u1", "default", i, +1, "acc", numeric, "1", null));
        }
        send(scoreIn("u1", "default", 300, -1, "acc", numeric, "1", null)); // a rescan of 299 > 256 times builds it
        assertThat(indexEntries("u1")).isPositive();
        for (int i = 299; i >= 2; i--) {
            send(scoreIn("u1", "default", i, -1, "acc", numeric, "1", null));
        }
        Contribution c = new Contribution("p", "u1", "default", 0);
        c.settleScore(dev.usermetrics.records.ScoreDelta.key("acc", numeric), SEC); // the last open time settles
        c.addScore("acc", numeric, BigDecimal.ONE, null, 500 * SEC, +1); // and a new score arrives
        send(c);
        send(scoreIn("u1", "default", 500, -1, "acc", numeric, "1", null));
        assertThat(indexEntries("u1")).isZero();
        MetricsRow row = latestRows().get(new MetricsRow.RowKey(SinkTable.USER_SCORES, "p", "u1", null, 0,
                dev.usermetrics.records.ScoreDelta.key("acc", numeric)));
        assertThat(row.score.count).isEqualTo(1);
        assertThat(row.score.lastScoreAtNanos).isEqualTo(SEC);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Contribution, MetricsRow> stage() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new FinalRowsOperator<>(new UserAggregator(false), false),
                new Keys.ByUser(), Types.STRING);
    }

    private static java.util.List<String> rowNames(KeyedOneInputStreamOperatorTestHarness<String, Contribution, MetricsRow> h) {
        return h.extractOutputValues().stream()
                // Dropping all operator state also drops the windows clock, which starts the windows' own upgrade
                // (adding the hourly buckets to the kept window state): its rows are not this test's subject.
                .filter(r -> r.table != SinkTable.USER_METRICS_WINDOWS)
                .map(r -> r.table + (r.environment != null ? " " + r.environment : "")
                        + (r.table == SinkTable.USER_METRICS_DAILY ? " " + java.time.Instant.ofEpochMilli(r.bucketStartMillis) : ""))
                .sorted().toList();
    }

    /**
     * Restored from a version before the budget stage (no {@code budget-feed} marker; here no
     * operator state at all, as in the v2/v3 savepoints), the stage emits each user's budget rows
     * on open — totals, per environment, the daily buckets of its latest day's month — and
     * nothing of another table; restored from its own state, nothing.
     */
    @Test
    void restoredWithoutABudgetStageItEmitsEveryUsersBudgetRowsOnOpen() throws Exception {
        long jan10 = java.time.Instant.parse("2026-01-10T08:00:00Z").getEpochSecond();
        long feb03 = java.time.Instant.parse("2026-02-03T09:00:00Z").getEpochSecond();
        long feb05 = java.time.Instant.parse("2026-02-05T10:00:00Z").getEpochSecond();
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = stage()) {
            h.open();
            h.processElement(new StreamRecord<>(observation("u1", jan10, +1, 10, "1")));
            h.processElement(new StreamRecord<>(trace("u1", feb03, +1)));
            h.processElement(new StreamRecord<>(observation("u1", feb05, +1, 5, "0.5")));
            h.processElement(new StreamRecord<>(trace("u2", jan10, +1)));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = stage()) {
            h.initializeState(snapshot);
            h.open();
            assertThat(h.extractOutputValues()).as("restored with the marker: nothing to seed").isEmpty();
        }
        var withoutOperatorState = org.apache.flink.runtime.checkpoint.OperatorSubtaskState.builder()
                .setManagedKeyedState(snapshot.getManagedKeyedState()).build();
        try (var h = stage()) {
            h.initializeState(withoutOperatorState);
            h.open();
            assertThat(rowNames(h)).containsExactly(
                    "USER_METRICS", "USER_METRICS",
                    "USER_METRICS_DAILY default 2026-01-10T00:00:00Z", // u2's latest month
                    "USER_METRICS_DAILY default 2026-02-03T00:00:00Z", "USER_METRICS_DAILY default 2026-02-05T00:00:00Z",
                    "USER_METRICS_ENV default", "USER_METRICS_ENV default");
            assertThat(h.extractOutputValues()).allMatch(r -> r.table == SinkTable.USER_METRICS_WINDOWS
                    || dev.usermetrics.budgets.UserBudgets.feeds(r));
            MetricsRow u1 = h.extractOutputValues().stream().filter(r -> r.table == SinkTable.USER_METRICS && r.userId.equals("u1"))
                    .findFirst().orElseThrow();
            assertThat(u1.metrics.totalCost).isEqualByComparingTo("1.5");
            assertThat(u1.metrics.traces).isEqualTo(1);
        }
    }
}
