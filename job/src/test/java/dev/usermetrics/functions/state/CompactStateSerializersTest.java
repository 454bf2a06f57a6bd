package dev.usermetrics.functions.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.functions.Lww;
import dev.usermetrics.functions.ObservationState;
import dev.usermetrics.functions.ScoreState;
import dev.usermetrics.functions.TraceState;
import dev.usermetrics.functions.UserWindows;
import dev.usermetrics.records.RowTotals;
import dev.usermetrics.functions.UserTotals;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.ScoreTotals;
import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.ScoreDataType;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The compact state serializers (trace and user stage) give back every field of every state the
 * stages can build (and of degenerate ones they cannot), are smaller than the POJO form they
 * replace, and take over POJO-serialized state by migration.
 */
class CompactStateSerializersTest {
    private static final long T0 = 1_764_000_000L * 1_000_000_000L;
    private final Random rnd = new Random(7);

    @Test
    void everyObservationRoundTrips() throws IOException {
        ObservationStateSerializer s = new ObservationStateSerializer();
        for (int i = 0; i < 2_000; i++) {
            ObservationState o = observation(1 + rnd.nextInt(6));
            o.calculatedCost = rnd.nextBoolean() ? Map.of("total", new BigDecimal("0.000001234567"), "input", new BigDecimal("1E-12")) : null;
            o.unpriced = rnd.nextInt(5) == 0;
            assertRoundTrip(s, o);
        }
    }

    @Test
    void everyScoreRoundTrips() throws IOException {
        ScoreStateSerializer s = new ScoreStateSerializer();
        for (int i = 0; i < 2_000; i++) {
            ScoreState sc = new ScoreState();
            for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                IngestionEvent e = event(EntityKind.SCORE);
                e.scoreName = rnd.nextBoolean() ? "helpfulness" : "thumbs";
                e.scoreDataType = ScoreDataType.values()[rnd.nextInt(3)];
                e.scoreValue = e.scoreDataType.hasValue() ? BigDecimal.valueOf(rnd.nextInt(2_000) - 1_000, rnd.nextInt(4)) : null;
                e.scoreLabel = e.scoreDataType.hasLabel() ? (rnd.nextBoolean() ? "True" : "😀 label") : null;
                e.bodyTimeNanos = rnd.nextBoolean() ? T0 - rnd.nextInt(1_000_000) : null;
                sc.apply(e);
            }
            assertRoundTrip(s, sc);
        }
    }

    @Test
    void everyTraceRoundTripsWithVersionsFromItsObservations() throws IOException {
        TraceStateSerializer s = new TraceStateSerializer();
        for (int i = 0; i < 2_000; i++) {
            TraceState t = new TraceState();
            for (int k = 1 + rnd.nextInt(5); k > 0; k--) {
                // Observation events set the trace's user and environment: their ids are not the trace's.
                IngestionEvent e = event(rnd.nextBoolean() ? EntityKind.TRACE : EntityKind.OBSERVATION);
                e.traceName = rnd.nextBoolean() ? "trace-name-" + rnd.nextInt(5) : null;
                e.bodyTimeNanos = rnd.nextBoolean() ? T0 + rnd.nextInt(1_000_000) : null;
                t.apply(e);
            }
            t.minObservationTimeNanos = rnd.nextBoolean() ? T0 - 5 : null;
            t.scoreCount = rnd.nextInt(3);
            t.observationCount = rnd.nextInt(40);
            t.observationCountKnown = rnd.nextInt(4) != 0;
            t.emittedUser = rnd.nextBoolean() ? t.user.value : null;
            t.emittedEnvironment = t.emittedUser != null ? t.resolvedEnvironment() : null;
            t.emittedTraceTimeNanos = t.emittedUser != null && t.effectiveTimeNanos() != null ? t.effectiveTimeNanos() : 0;
            t.emittedSession = t.emittedUser != null && rnd.nextBoolean() ? "session-" + rnd.nextInt(10) : null;
            t.expiresAtMillis = rnd.nextBoolean() ? 1_764_000_000_000L + rnd.nextInt(100_000) : 0;
            t.modelDaysKnown = rnd.nextInt(4) != 0;
            if (t.modelDaysKnown) {
                for (int k = rnd.nextInt(3); k > 0; k--) {
                    t.modelDays.put((20_000 + rnd.nextInt(3)) + ":" + (rnd.nextBoolean() ? "gpt-4o" : ""), 1 + rnd.nextInt(30));
                }
            }
            t.totalsKnown = rnd.nextInt(4) != 0;
            if (t.totalsKnown && rnd.nextBoolean()) {
                t.totals.traces = 1;
                t.totals.observations = rnd.nextInt(50);
                t.totals.scores = rnd.nextInt(3);
                t.totals.inputTokens = rnd.nextInt(10_000);
                t.totals.totalTokens = t.totals.inputTokens + rnd.nextInt(1_000);
                t.totals.totalCost = new BigDecimal(rnd.nextInt(1_000_000)).movePointLeft(12);
                t.totals.calculatedTotalCost = t.totals.totalCost;
            }
            assertRoundTrip(s, t);
        }
    }

    @Test
    void everyUserStageValueRoundTripsAndMigrates() throws IOException {
        for (int i = 0; i < 200; i++) {
            Metrics m = metrics();
            assertRoundTrip(new MetricsSerializer(), m);
            UserTotals t = new UserTotals();
            t.metrics = m;
            t.firstSeenNanos = rnd.nextBoolean() ? T0 - rnd.nextInt(1_000_000) : null;
            t.lastSeenNanos = t.firstSeenNanos != null ? t.firstSeenNanos + rnd.nextInt(1_000_000) : null;
            t.settledFirstNanos = rnd.nextBoolean() ? T0 - 5 : null;
            t.settledLastNanos = t.settledFirstNanos != null ? T0 + 5 : null;
            t.sessionCount = rnd.nextBoolean() ? rnd.nextInt(1_000) : 0;
            assertRoundTrip(new UserTotalsSerializer(), t);
            ModelMetrics mm = new ModelMetrics();
            mm.observations = rnd.nextInt(100);
            mm.inputTokens = rnd.nextLong();
            mm.outputTokens = -rnd.nextInt(1000);
            mm.totalTokens = Long.MIN_VALUE;
            mm.unpricedObservations = rnd.nextInt(3);
            mm.inputCost = new BigDecimal("0.000000000001");
            mm.outputCost = rnd.nextBoolean() ? null : BigDecimal.ZERO;
            mm.totalCost = new BigDecimal("-12.5");
            mm.inputCost = rnd.nextInt(4) == 0 ? null : mm.inputCost;
            mm.traces = rnd.nextBoolean() ? rnd.nextInt(50) - 5 : 0;
            assertRoundTrip(new ModelMetricsSerializer(), mm);
            ScoreTotals st = new ScoreTotals();
            st.count = rnd.nextInt(10) - 3;
            st.valueSum = rnd.nextBoolean() ? new BigDecimal("3.25") : null;
            st.labels = rnd.nextBoolean() ? new HashMap<>(Map.of("True", 2L, "😀", -1L)) : null;
            st.lastScoreAtNanos = rnd.nextBoolean() ? T0 : null;
            st.settledLastNanos = rnd.nextBoolean() ? T0 - 9 : null;
            assertRoundTrip(new ScoreTotalsSerializer(), st);
            if (i == 0) {
                migrates(pojo(Metrics.class), new MetricsSerializer(), m);
                migrates(pojo(UserTotals.class), new UserTotalsSerializer(), t);
                migrates(pojo(ModelMetrics.class), new ModelMetricsSerializer(), mm);
                migrates(pojo(ScoreTotals.class), new ScoreTotalsSerializer(), st);
            }
        }
        assertRoundTrip(new UserTotalsSerializer(), new UserTotals());
        UserTotals empty = new UserTotals();
        empty.metrics = null;
        assertRoundTrip(new UserTotalsSerializer(), empty);
        Metrics nulls = new Metrics();
        nulls.usage = null;
        nulls.cost = null;
        nulls.totalCost = null;
        assertRoundTrip(new MetricsSerializer(), nulls);
    }

    @Test
    void everyUsersWindowsRoundTrip() throws IOException {
        UserWindowsSerializer s = new UserWindowsSerializer();
        assertRoundTrip(s, new UserWindows());
        for (int i = 0; i < 200; i++) {
            UserWindows w = new UserWindows();
            w.rolledTo = rnd.nextBoolean() ? Long.MIN_VALUE : T0 + rnd.nextInt(1_000_000);
            w.hours = rnd.nextInt(2_161);
            for (String env : List.of("", "production", "staging-😀").subList(0, 1 + rnd.nextInt(3))) {
                RowTotals[] windows = new RowTotals[4];
                for (int k = 0; k < windows.length; k++) {
                    if (rnd.nextBoolean()) {
                        RowTotals t = new RowTotals();
                        t.traces = rnd.nextInt(1000);
                        t.observations = rnd.nextLong();
                        t.scores = -rnd.nextInt(5);
                        t.inputTokens = Long.MAX_VALUE;
                        t.outputTokens = Long.MIN_VALUE;
                        t.totalTokens = rnd.nextInt();
                        t.inputCost = new BigDecimal("0.000000000001");
                        t.outputCost = BigDecimal.valueOf(rnd.nextLong(), rnd.nextInt(20));
                        t.totalCost = new BigDecimal("-12345678901234567890.123456789012");
                        t.calculatedTotalCost = BigDecimal.ZERO;
                        windows[k] = t;
                    }
                }
                w.byEnvironment.put(env, windows);
            }
            assertRoundTrip(s, w);
        }
    }

    private static RowTotals budgetTotals(long traces, String cost) {
        RowTotals t = new RowTotals();
        t.traces = traces;
        t.observations = 3 * traces;
        t.totalTokens = 1_000 * traces;
        t.totalCost = new BigDecimal(cost);
        return t; // the budget state keeps these four measures only
    }

    @Test
    void everyUsersBudgetsRoundTrip() throws IOException {
        UserBudgetsSerializer s = new UserBudgetsSerializer();
        assertRoundTrip(s, new dev.usermetrics.budgets.UserBudgets());
        for (int i = 0; i < 100; i++) {
            var u = new dev.usermetrics.budgets.UserBudgets();
            for (String key : List.of("all|", "all|production", "24h|", "7d|staging-😀", "30d|").subList(0, rnd.nextInt(6))) {
                u.totals.put(key, budgetTotals(rnd.nextInt(1000), "0.000000000001"));
            }
            for (int d = 0; d < rnd.nextInt(31); d++) {
                u.days.put(20_500L + d, new java.util.HashMap<>(java.util.Map.of("production", budgetTotals(d, "-1.5"))));
            }
            if (rnd.nextBoolean()) {
                var a = new dev.usermetrics.budgets.UserBudgets.AlertState();
                a.shape = "totalCost|month|\u0000";
                a.windowStartMillis = rnd.nextBoolean() ? null : T0;
                a.crossings = 1 + rnd.nextInt(3);
                a.open = rnd.nextBoolean() ? null : dev.usermetrics.budgets.TestAlerts.full();
                u.alerts.put("monthly-cost\u00000.8", a);
            }
            assertRoundTrip(s, u);
        }
    }

    /** The state of a user active every day of a month in one environment, with two budgets of which one fires. */
    @Test
    void aMonthOfOneUsersBudgetStateIsAboutAKilobyte() throws IOException {
        var u = new dev.usermetrics.budgets.UserBudgets();
        for (String key : List.of("all|", "all|production", "24h|", "24h|production", "7d|", "7d|production", "30d|", "30d|production")) {
            u.totals.put(key, budgetTotals(120, "1.234567890123"));
        }
        for (int d = 0; d < 31; d++) {
            u.days.put(20_500L + d, new java.util.HashMap<>(java.util.Map.of("production", budgetTotals(4, "0.041152263004"))));
        }
        var firing = new dev.usermetrics.budgets.UserBudgets.AlertState();
        firing.shape = "totalCost|month|\u0000";
        firing.crossings = 1;
        firing.open = dev.usermetrics.budgets.TestAlerts.full();
        u.alerts.put("monthly-cost\u00001", firing);
        DataOutputSerializer out = new DataOutputSerializer(128);
        new UserBudgetsSerializer().serialize(u, out);
        // 8 window values of ~25 bytes, 31 days of ~30, one firing alert of ~150: docs/design.md quotes this size.
        assertThat(out.length()).isBetween(800, 1_400);
    }

    @Test
    void degenerateStatesRoundTripToo() throws IOException {
        assertRoundTrip(new ObservationStateSerializer(), new ObservationState());
        assertRoundTrip(new ScoreStateSerializer(), new ScoreState());
        assertRoundTrip(new TraceStateSerializer(), new TraceState());

        ObservationState o = observation(2);
        o.eventIds.add(null);
        o.eventIds.add("A1B2C3D4-0000-4000-8000-00000000000F"); // upper case: kept as text
        o.user = lww("u", -5, null); // a version without an id
        o.environment = lww(null, 0, "stray-id"); // an id not among the event ids
        Map<String, Long> usage = new HashMap<>();
        usage.put("input", null);
        usage.put(null, Long.MIN_VALUE);
        usage.put("output", Long.MAX_VALUE);
        o.usage = usage;
        Map<String, BigDecimal> cost = new HashMap<>();
        cost.put("total", null);
        cost.put("input", new BigDecimal("-123456789012345678901234567890.123456789012"));
        o.cost = cost;
        o.minEventTsNanos = Long.MAX_VALUE; // no event: deltas from it wrap and come back
        o.startTimeNanos = Long.MIN_VALUE;
        assertRoundTrip(new ObservationStateSerializer(), o);

        TraceState t = new TraceState();
        t.scoreCount = -1;
        t.observationCount = Integer.MIN_VALUE;
        t.expiresAtMillis = Long.MIN_VALUE;
        t.emittedTraceTimeNanos = Long.MAX_VALUE;
        assertRoundTrip(new TraceStateSerializer(), t);
    }

    @Test
    void idsOfEveryFormComeBackAsTheyWere() throws IOException {
        List<String> ids = new ArrayList<>(List.of("", "evt-1", "otlp-0011223344556677-00112233445566778899aabb",
                "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
                "0000000-00000-0000-0000-000000000000", "g0000000-0000-0000-0000-000000000000", "😀"));
        for (int i = 0; i < 1_000; i++) {
            ids.add(UUID.randomUUID().toString());
        }
        for (String id : ids) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            StateIo.writeId(out, id);
            assertThat(StateIo.readId(new DataInputDeserializer(out.getCopyOfBuffer()))).isEqualTo(id);
            if (StateIo.isCanonicalUuid(id)) {
                assertThat(out.length()).isEqualTo(17);
            }
        }
        assertThat(StateIo.isCanonicalUuid("A1B2C3D4-0000-4000-8000-00000000000F")).isFalse();
    }

    @Test
    void theCompactFormIsAFractionOfThePojoForm() throws IOException {
        ObservationState o = observation(2);
        TraceState t = new TraceState();
        t.apply(event(EntityKind.TRACE));
        t.emittedUser = t.user.value;
        t.emittedEnvironment = t.resolvedEnvironment();
        t.emittedTraceTimeNanos = t.effectiveTimeNanos();
        t.observationCountKnown = true;
        t.observationCount = 3;
        int pojoObservation = size(pojo(ObservationState.class), o);
        int compactObservation = size(new ObservationStateSerializer(), o);
        int pojoTrace = size(pojo(TraceState.class), t);
        int compactTrace = size(new TraceStateSerializer(), t);
        assertThat(compactObservation).as("observation: compact %d B, POJO %d B", compactObservation, pojoObservation)
                .isLessThan(pojoObservation * 2 / 5);
        assertThat(compactTrace).as("trace: compact %d B, POJO %d B", compactTrace, pojoTrace)
                .isLessThan(pojoTrace * 2 / 5);
    }

    @Test
    void pojoSerializedStateMigrates() throws IOException {
        migrates(pojo(ObservationState.class), new ObservationStateSerializer(), observation(3));
        ScoreState sc = new ScoreState();
        IngestionEvent e = event(EntityKind.SCORE);
        e.scoreName = "helpfulness";
        e.scoreDataType = ScoreDataType.NUMERIC;
        e.scoreValue = new BigDecimal("0.75");
        sc.apply(e);
        migrates(pojo(ScoreState.class), new ScoreStateSerializer(), sc);
        TraceState t = new TraceState();
        t.apply(event(EntityKind.TRACE));
        t.apply(event(EntityKind.OBSERVATION));
        migrates(pojo(TraceState.class), new TraceStateSerializer(), t);
    }

    @Test
    void aCompactSnapshotIsCompatibleAsIsWithItselfAndNotWithOtherTypes() throws IOException {
        TypeSerializerSnapshot<ObservationState> restored = restoreSnapshot(new ObservationStateSerializer().snapshotConfiguration());
        assertThat(new ObservationStateSerializer().snapshotConfiguration().resolveSchemaCompatibility(restored).isCompatibleAsIs()).isTrue();
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<ObservationState> otherPojo = (TypeSerializerSnapshot) pojo(ScoreState.class).snapshotConfiguration();
        assertThat(new ObservationStateSerializer().snapshotConfiguration().resolveSchemaCompatibility(otherPojo).isIncompatible()).isTrue();
    }

    /** Written by Flink's POJO serializer (layout v3), read back through the migration Flink performs on restore. */
    private static <T> void migrates(TypeSerializer<T> pojo, TypeSerializer<T> compact, T value) throws IOException {
        TypeSerializerSnapshot<T> old = restoreSnapshot(pojo.snapshotConfiguration());
        TypeSerializerSchemaCompatibility<T> c = compact.snapshotConfiguration().resolveSchemaCompatibility(old);
        assertThat(c.isCompatibleAfterMigration()).isTrue();
        DataOutputSerializer out = new DataOutputSerializer(512);
        pojo.serialize(value, out);
        T read = old.restoreSerializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertRoundTrip(compact, read);
        assertThat(read).usingRecursiveComparison().isEqualTo(value);
    }

    private static <T> TypeSerializerSnapshot<T> restoreSnapshot(TypeSerializerSnapshot<T> snapshot) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(512);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        return TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(out.getCopyOfBuffer()),
                CompactStateSerializersTest.class.getClassLoader());
    }

    private static <T> TypeSerializer<T> pojo(Class<T> type) {
        return TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
    }

    private static <T> void assertRoundTrip(TypeSerializer<T> s, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(128);
        s.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T back = s.deserialize(in);
        assertThat(in.available()).as("bytes left after reading").isZero();
        assertThat(back).usingRecursiveComparison().isEqualTo(value);
        assertThat(s.copy(value)).usingRecursiveComparison().isEqualTo(value).isNotSameAs(value);
        DataOutputSerializer copied = new DataOutputSerializer(128);
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertThat(s.deserialize(new DataInputDeserializer(copied.getCopyOfBuffer()))).usingRecursiveComparison().isEqualTo(value);
    }

    private static <T> int size(TypeSerializer<T> s, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(128);
        s.serialize(value, out);
        return out.length();
    }

    private Metrics metrics() {
        Metrics m = new Metrics();
        m.traces = rnd.nextInt(50);
        m.observations = rnd.nextInt(500);
        m.scores = rnd.nextInt(5) - 1;
        m.totalTokens = rnd.nextLong();
        if (rnd.nextBoolean()) {
            m.usage.put("input", (long) rnd.nextInt(1_000_000));
            m.usage.put("output", 0L);
            m.usageKeyCount.put("input", 3L);
            m.usageKeyCount.put("output", 1L);
        }
        if (rnd.nextBoolean()) {
            m.cost.put("total", new BigDecimal("0.123456789012"));
            m.costKeyCount.put("total", 2L);
            m.totalCost = new BigDecimal("0.123456789012");
            m.calculatedTotalCost = new BigDecimal("0.1E-11");
        }
        return m;
    }

    private ObservationState observation(int events) {
        ObservationState o = new ObservationState();
        for (int k = 0; k < events; k++) {
            IngestionEvent e = event(EntityKind.OBSERVATION);
            e.model = rnd.nextBoolean() ? "gpt-4o" : null;
            e.bodyTimeNanos = rnd.nextBoolean() ? T0 + rnd.nextInt(1_000_000) : null;
            e.usage = rnd.nextBoolean() ? Map.of("input", (long) rnd.nextInt(5_000), "output", (long) rnd.nextInt(900), "total", 5_900L) : null;
            e.cost = rnd.nextInt(3) == 0 ? Map.of("total", new BigDecimal("0.012345678901")) : null;
            o.apply(e);
        }
        return o;
    }

    /** An event with a fresh UUID id (what the SDKs send), a user and an environment half the time. */
    private IngestionEvent event(EntityKind kind) {
        IngestionEvent e = new IngestionEvent();
        e.kind = kind;
        e.eventId = rnd.nextInt(4) == 0 ? "evt-" + rnd.nextInt(1_000) : new UUID(rnd.nextLong(), rnd.nextLong()).toString();
        e.timestampNanos = T0 + rnd.nextInt(10) * 1_000_000_000L;
        e.projectId = "p";
        e.traceId = "t";
        e.userId = rnd.nextBoolean() ? "user-" + rnd.nextInt(100) : null;
        e.environment = rnd.nextBoolean() ? "production" : null;
        e.sessionId = rnd.nextInt(3) == 0 ? "session-" + rnd.nextInt(10) : null;
        return e;
    }

    private static Lww lww(String value, long ts, String id) {
        return StateFormatFixtureTest.lww(value, ts, id);
    }
}
