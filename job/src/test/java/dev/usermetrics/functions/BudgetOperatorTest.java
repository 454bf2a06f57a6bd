package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.budgets.Budget;
import dev.usermetrics.budgets.BudgetAlert;
import dev.usermetrics.budgets.BudgetFeed;
import dev.usermetrics.budgets.BudgetMeasure;
import dev.usermetrics.budgets.BudgetSnapshot;
import dev.usermetrics.budgets.BudgetWindow;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.testing.PrivateState;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The budget stage on Flink's keyed operator harness: alerts are decided on the values at a
 * checkpoint barrier, once per crossing, resolved when the value falls back, started afresh when a
 * calendar window rolls over, applied at once to current totals when a budget changes, kept across
 * a restore; a user with nothing left keeps no state. Expected values are worked out by hand.
 */
class BudgetOperatorTest {
    private static final long NOW = Instant.parse("2026-03-05T12:00:00Z").toEpochMilli();
    private static final long DAY_1 = Instant.parse("2026-03-04T00:00:00Z").toEpochMilli();
    private static final long DAY_2 = Instant.parse("2026-03-05T00:00:00Z").toEpochMilli();
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;

    /** A feed the test changes (the harness runs the operator instance it is given). */
    static final class TestFeed implements BudgetFeed {
        BudgetSnapshot current = BudgetSnapshot.empty();

        @Override
        public void open() {}

        @Override
        public BudgetSnapshot latest() {
            return current;
        }

        @Override
        public void close() {}
    }

    private static Budget budget(String id, String user, BudgetMeasure measure, BudgetWindow window, String limit,
            String... thresholds) {
        Budget b = new Budget();
        b.id = id;
        b.projectId = "p1";
        b.userId = user;
        b.measure = measure;
        b.window = window;
        b.limit = new BigDecimal(limit);
        b.thresholds = new ArrayList<>(Arrays.stream(thresholds).map(BigDecimal::new).toList());
        return b;
    }

    private static MetricsRow total(String user, long traces, String cost) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_METRICS;
        r.projectId = "p1";
        r.userId = user;
        r.metrics = metrics(traces, cost);
        return r;
    }

    private static MetricsRow daily(String user, String env, long dayMillis, long traces, String cost) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_METRICS_DAILY;
        r.projectId = "p1";
        r.userId = user;
        r.environment = env;
        r.bucketStartMillis = dayMillis;
        r.metrics = metrics(traces, cost);
        return r;
    }

    private static Metrics metrics(long traces, String cost) {
        Metrics m = new Metrics();
        m.traces = traces;
        m.observations = traces;
        m.totalCost = new BigDecimal(cost);
        return m;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, MetricsRow, MetricsRow> harness(TestFeed feed) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new BudgetOperator(feed, false, () -> NOW), new Keys.RowsByUser(),
                Types.STRING);
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, MetricsRow, MetricsRow> h, MetricsRow... rows)
            throws Exception {
        for (MetricsRow r : rows) {
            h.processElement(new StreamRecord<>(r));
        }
    }

    /** The alerts emitted so far, as "user budget@threshold #crossing state value[/resolved value]", and forgets them. */
    private static List<String> alerts(KeyedOneInputStreamOperatorTestHarness<String, MetricsRow, MetricsRow> h) {
        List<String> out = new ArrayList<>();
        for (MetricsRow r : h.extractOutputValues()) {
            assertThat(r.table).isEqualTo(SinkTable.USER_BUDGET_ALERTS);
            BudgetAlert a = r.alert;
            out.add(a.userId + " " + a.budgetId + "@" + a.threshold.toPlainString() + " #" + a.crossing + " " + a.state + " "
                    + a.valueAtCrossing.toPlainString()
                    + (a.resolvedAtMillis != null ? "/" + (a.valueAtResolution == null ? "-" : a.valueAtResolution.toPlainString()) : ""));
        }
        h.getOutput().clear();
        return out;
    }

    @Test
    void aCrossingFiresOnceAtTheBarrierAndResolvesWhenTheValueFallsBack() throws Exception {
        TestFeed feed = new TestFeed();
        feed.current = BudgetSnapshot.of(List.of(budget("cost", null, BudgetMeasure.TOTAL_COST, BudgetWindow.ALL_TIME, "10",
                "0.5", "0.8", "1")));
        try (var h = harness(feed)) {
            h.open();
            // Between two barriers alice goes to $9 then back to $5: the checkpoint's value is $5 (50 % of $10 only).
            send(h, total("alice", 1, "9"), total("alice", 2, "5"), total("bob", 1, "4.99"));
            assertThat(alerts(h)).as("nothing before the barrier").isEmpty();
            h.prepareSnapshotPreBarrier(1);
            assertThat(alerts(h)).containsExactly("alice cost@0.5 #1 firing 5");
            // Same value again (still firing: no second record), then $8: 80 % crossed.
            send(h, total("alice", 2, "5"));
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).isEmpty();
            send(h, total("alice", 3, "8"));
            h.prepareSnapshotPreBarrier(3);
            assertThat(alerts(h)).containsExactly("alice cost@0.8 #1 firing 8");
            // A correction to $3: both resolved, with the value then; crossing again later is crossing #2.
            send(h, total("alice", 3, "3"));
            h.prepareSnapshotPreBarrier(4);
            assertThat(alerts(h)).containsExactlyInAnyOrder("alice cost@0.5 #1 resolved 5/3", "alice cost@0.8 #1 resolved 8/3");
            send(h, total("alice", 4, "5"));
            h.prepareSnapshotPreBarrier(5);
            List<MetricsRow> rows = h.extractOutputValues();
            assertThat(alerts(h)).containsExactly("alice cost@0.5 #2 firing 5");
            assertThat(rows.get(0).alert.alertId).isEqualTo(BudgetAlert.id("p1", "alice", "cost", new BigDecimal("0.5"), null, 2, NOW))
                    .isNotEqualTo(BudgetAlert.id("p1", "alice", "cost", new BigDecimal("0.5"), null, 1, NOW));
            assertThat(rows.get(0).alert.thresholdValue).isEqualByComparingTo("5");
        }
    }

    @Test
    void aCalendarDaySumsItsEnvironmentsAndANewDayStartsAfresh() throws Exception {
        TestFeed feed = new TestFeed();
        feed.current = BudgetSnapshot.of(List.of(budget("daily", "alice", BudgetMeasure.COUNT_TRACES, BudgetWindow.DAY, "3", "1"),
                budget("monthly", null, BudgetMeasure.COUNT_TRACES, BudgetWindow.MONTH, "5", "1")));
        try (var h = harness(feed)) {
            h.open();
            // No clock yet (no watermark): alice's own traffic gives her day. 3 traces on day 1: the daily budget fires.
            send(h, daily("alice", "production", DAY_1, 3, "0"));
            h.prepareSnapshotPreBarrier(1);
            assertThat(alerts(h)).containsExactly("alice daily@1 #1 firing 3");
            // The clock on day 1: 2 production + 1 staging traces are still 3 (firing, nothing new); the month has 3 < 5.
            h.processWatermark(new Watermark(DAY_1 + HOUR * 12));
            send(h, daily("alice", "production", DAY_1, 2, "0"), daily("alice", "staging", DAY_1, 1, "0"),
                    daily("bob", "production", DAY_1, 3, "0"));
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).isEmpty();
            // Alice's traffic reaches day 2 before the clock does (an idle partition holds it back): her day rolls
            // over, the day-1 alert closes (no value), the month (3 + 2) fires.
            send(h, daily("alice", "production", DAY_2, 2, "0"));
            h.prepareSnapshotPreBarrier(3);
            List<MetricsRow> rows = h.extractOutputValues();
            assertThat(alerts(h)).containsExactly("alice daily@1 #1 resolved 3/-", "alice monthly@1 #1 firing 5");
            assertThat(rows.get(1).alert.windowStartMillis).isEqualTo(Instant.parse("2026-03-01T00:00:00Z").toEpochMilli());
            // The clock follows: nothing new.
            h.processWatermark(new Watermark(DAY_2 + HOUR));
            h.prepareSnapshotPreBarrier(4);
            assertThat(alerts(h)).isEmpty();
            // A third trace on day 2 crosses the daily budget again: crossing #1 of the new day.
            send(h, daily("alice", "production", DAY_2, 3, "0"));
            h.prepareSnapshotPreBarrier(5);
            rows = h.extractOutputValues();
            assertThat(alerts(h)).containsExactly("alice daily@1 #1 firing 3");
            assertThat(rows.get(0).alert.windowStartMillis).isEqualTo(DAY_2);
            // A late change to day 1 no longer changes the daily window (it is day 2's); the month: 2 + 3 = 5 still.
            send(h, daily("alice", "staging", DAY_1, 0, "0"));
            h.prepareSnapshotPreBarrier(6);
            assertThat(alerts(h)).isEmpty();
            // A trace dated a year ahead (of the wall clock) is not kept: it cannot move her day.
            send(h, daily("alice", "production", DAY_2 + 365 * DAY, 100, "0"));
            h.prepareSnapshotPreBarrier(7);
            assertThat(alerts(h)).isEmpty();
        }
    }

    @Test
    void aQuietUsersDailyAlertClosesWhenTheDayEnds() throws Exception {
        TestFeed feed = new TestFeed();
        feed.current = BudgetSnapshot.of(List.of(budget("daily", null, BudgetMeasure.TOTAL_COST, BudgetWindow.DAY, "1", "1")));
        try (var h = harness(feed)) {
            h.open();
            h.processWatermark(new Watermark(DAY_1 + HOUR));
            send(h, daily("carol", "production", DAY_1, 1, "2"));
            h.prepareSnapshotPreBarrier(1);
            assertThat(alerts(h)).containsExactly("carol daily@1 #1 firing 2");
            // Carol sends nothing more; the clock passes midnight: the alert of her day 1 is closed.
            h.processWatermark(new Watermark(DAY_2 + HOUR));
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).containsExactly("carol daily@1 #1 resolved 2/-");
            h.processWatermark(new Watermark(DAY_2 + 2 * HOUR));
            h.prepareSnapshotPreBarrier(3);
            assertThat(alerts(h)).isEmpty();
        }
    }

    @Test
    void aBudgetChangeAppliesToCurrentTotalsAtTheNextBarrier() throws Exception {
        TestFeed feed = new TestFeed();
        try (var h = harness(feed)) {
            h.open();
            send(h, total("alice", 1, "7"), total("bob", 1, "2"));
            h.prepareSnapshotPreBarrier(1);
            assertThat(alerts(h)).isEmpty();
            // A budget for every user, no new rows: alice's current $7 is over $5.
            feed.current = BudgetSnapshot.of(List.of(budget("cost", null, BudgetMeasure.TOTAL_COST, BudgetWindow.ALL_TIME, "5", "1")));
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).containsExactly("alice cost@1 #1 firing 7");
            // The limit raised to $10: alice is under it now.
            feed.current = BudgetSnapshot.of(List.of(budget("cost", null, BudgetMeasure.TOTAL_COST, BudgetWindow.ALL_TIME, "10", "1")));
            h.prepareSnapshotPreBarrier(3);
            assertThat(alerts(h)).containsExactly("alice cost@1 #1 resolved 7/7");
            // Lowered to $1: both fire; the budget removed: both close.
            feed.current = BudgetSnapshot.of(List.of(budget("cost", null, BudgetMeasure.TOTAL_COST, BudgetWindow.ALL_TIME, "1", "1")));
            h.prepareSnapshotPreBarrier(4);
            assertThat(alerts(h)).containsExactlyInAnyOrder("alice cost@1 #2 firing 7", "bob cost@1 #1 firing 2");
            feed.current = BudgetSnapshot.empty();
            h.prepareSnapshotPreBarrier(5);
            assertThat(alerts(h)).containsExactlyInAnyOrder("alice cost@1 #2 resolved 7/-", "bob cost@1 #1 resolved 2/-");
        }
    }

    @Test
    void aRestoreKeepsAlertsAndBudgetsAndAddsNoDuplicate() throws Exception {
        TestFeed feed = new TestFeed();
        feed.current = BudgetSnapshot.of(List.of(budget("cost", null, BudgetMeasure.TOTAL_COST, BudgetWindow.ALL_TIME, "5", "1")));
        OperatorSubtaskState snapshot;
        try (var h = harness(feed)) {
            h.open();
            send(h, total("alice", 1, "6"));
            h.prepareSnapshotPreBarrier(1);
            assertThat(alerts(h)).containsExactly("alice cost@1 #1 firing 6");
            snapshot = h.snapshot(1, 1);
            // After the checkpoint alice falls to $1 and the job fails before the next one.
            send(h, total("alice", 1, "1"));
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).containsExactly("alice cost@1 #1 resolved 6/1");
        }
        TestFeed unread = new TestFeed();
        unread.current = null; // the restored job's feed has not read yet: it judges with the restored budgets
        try (var h = harness(unread)) {
            h.initializeState(snapshot);
            h.open();
            // The replay brings $7 first: still firing, nothing new; then the $1 correction resolves it once.
            send(h, total("alice", 1, "7"));
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).isEmpty();
            send(h, total("alice", 1, "1"));
            h.prepareSnapshotPreBarrier(3);
            assertThat(alerts(h)).containsExactly("alice cost@1 #1 resolved 6/1");
        }
    }

    @Test
    void aCrossingWhoseCheckpointNeverCompletedIsDecidedAgainOnceAfterTheRestore() throws Exception {
        TestFeed feed = new TestFeed();
        feed.current = BudgetSnapshot.of(List.of(budget("cost", null, BudgetMeasure.TOTAL_COST, BudgetWindow.ALL_TIME, "5", "1")));
        OperatorSubtaskState beforeTheCrossing;
        try (var h = harness(feed)) {
            h.open();
            send(h, total("alice", 1, "4"));
            h.prepareSnapshotPreBarrier(1);
            beforeTheCrossing = h.snapshot(1, 1);
            // The crossing is decided before barrier 2; checkpoint 2 never completes (the job fails): its records
            // never reach the table or the read_committed topic.
            send(h, total("alice", 2, "6"));
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).containsExactly("alice cost@1 #1 firing 6");
        }
        try (var h = harness(feed)) {
            h.initializeState(beforeTheCrossing);
            h.open();
            // The replay brings the same rows: the crossing is decided again, once, as crossing #1.
            send(h, total("alice", 2, "6"));
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).containsExactly("alice cost@1 #1 firing 6");
            send(h, total("alice", 2, "6"));
            h.prepareSnapshotPreBarrier(3);
            assertThat(alerts(h)).isEmpty();
        }
    }

    @Test
    void aUserWithNothingLeftKeepsNoState() throws Exception {
        TestFeed feed = new TestFeed();
        try (var h = harness(feed)) {
            h.open();
            send(h, total("alice", 1, "1"), daily("alice", "production", DAY_1, 1, "1"));
            h.prepareSnapshotPreBarrier(1);
            assertThat(PrivateState.keyedEntries(h)).isEqualTo(1);
            // Its only trace moved away: the rows are deleted (nothing counted), no budget ever fired.
            send(h, total("alice", 0, "0"), daily("alice", "production", DAY_1, 0, "0"));
            h.prepareSnapshotPreBarrier(2);
            assertThat(PrivateState.keyedEntries(h)).isZero();
            assertThat(alerts(h)).isEmpty();
        }
    }

    @Test
    void moreBufferedUsersThanTheBoundAreAppliedAheadAndStillJudgedOnlyAtTheBarrier() throws Exception {
        TestFeed feed = new TestFeed();
        feed.current = BudgetSnapshot.of(List.of(budget("cost", null, BudgetMeasure.TOTAL_COST, BudgetWindow.ALL_TIME, "10", "1")));
        int users = BudgetOperator.MAX_BUFFERED_USERS + 3;
        try (var h = harness(feed)) {
            h.open();
            // Every user at $12, then the first one back to $2 after its row was applied ahead of the barrier.
            for (int i = 0; i < users; i++) {
                send(h, total("u" + i, 1, "12"));
            }
            assertThat(h.getOperator()).extracting(o -> ((BudgetOperator) o).buffered()).isEqualTo(3);
            send(h, total("u0", 2, "2"));
            assertThat(alerts(h)).as("nothing before the barrier").isEmpty();
            h.prepareSnapshotPreBarrier(1);
            List<String> fired = alerts(h);
            assertThat(fired).hasSize(users - 1).doesNotContain("u0 cost@1 #1 firing 12").contains("u1 cost@1 #1 firing 12",
                    "u" + (users - 1) + " cost@1 #1 firing 12");
            h.prepareSnapshotPreBarrier(2);
            assertThat(alerts(h)).isEmpty();
        }
    }
}
