package dev.usermetrics.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.ScoreDataType;
import dev.usermetrics.records.ScoreDelta;
import dev.usermetrics.records.ScoreTotals;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.testing.PrivateState;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The wire serializers round-trip every field exactly (decimals keep their scale, nulls stay
 * null, strings of any length), and the field-count guard fails when a record gains a field the
 * serializer does not know yet.
 */
class WireSerializersTest {

    @Test
    void ingestionEventRoundTripsEveryField() throws IOException {
        IngestionEvent e = new IngestionEvent();
        e.eventId = "evt-ü-1";
        e.timestampNanos = 1_700_000_000_123_456_789L;
        e.projectId = "p";
        e.kind = EntityKind.SCORE;
        e.traceId = "t".repeat(70_000); // longer than writeUTF's 64 KiB
        e.observationId = "o";
        e.scoreId = "s";
        e.bodyTimeNanos = -5L;
        e.userId = "user-😀";
        e.sessionId = "session-1";
        e.environment = "prod";
        e.model = "gpt-4o";
        e.scoreName = "thumbs";
        e.scoreDataType = ScoreDataType.BOOLEAN;
        e.scoreValue = new BigDecimal("1.000");
        e.scoreLabel = "True";
        e.usage = Map.of("input", 3L, "output", 0L);
        e.cost = Map.of("input", new BigDecimal("0.0006200"), "total", new BigDecimal("-12345678901234567890.5"));
        assertRoundTrip(IngestionEventSerializer.INSTANCE, e);
        assertThat(roundTrip(IngestionEventSerializer.INSTANCE, e).cost.get("input").scale()).isEqualTo(7);
    }

    @Test
    void nullFieldsStayNull() throws IOException {
        assertRoundTrip(IngestionEventSerializer.INSTANCE, new IngestionEvent());
        MetricsRow row = new MetricsRow();
        assertRoundTrip(MetricsRowSerializer.INSTANCE, row);
        Contribution c = new Contribution();
        c.delta = null;
        assertRoundTrip(ContributionSerializer.INSTANCE, c);
    }

    @Test
    void contributionRoundTripsNestedMetricsModelsAndScores() throws IOException {
        Contribution c = new Contribution("p", "u", "default", 3_600_000L);
        c.traceTimes.put(10L, 1L);
        c.settledTraceTimes.put(20L, -1L);
        c.sessions.put("session-1", -1L);
        c.delta = metrics();
        c.byModel.put("gpt-4o", model());
        c.scores.put("thumbs/BOOLEAN", scoreDelta());
        assertRoundTrip(ContributionSerializer.INSTANCE, c);
    }

    @Test
    void metricsRowRoundTripsEveryField() throws IOException {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.values()[SinkTable.values().length - 1];
        r.projectId = "p";
        r.userId = "u";
        r.environment = "e";
        r.bucketStartMillis = 86_400_000L;
        r.subKey = "gpt-4o";
        r.metrics = metrics();
        r.modelMetrics = model();
        ScoreTotals s = new ScoreTotals();
        s.count = 2;
        s.valueSum = new BigDecimal("1.50");
        s.labels.put("True", 1L);
        s.lastScoreAtNanos = 7L;
        s.settledLastNanos = 6L;
        r.score = s;
        r.userCount = 42;
        r.firstSeenNanos = 1L;
        r.lastSeenNanos = 2L;
        r.sessionCount = 3;
        r.traceId = "t";
        r.scoreId = "s";
        r.name = "chat";
        r.sessionId = "sess";
        r.timeNanos = 5L;
        r.totals = new dev.usermetrics.records.RowTotals();
        r.totals.traces = 1;
        r.totals.inputTokens = 9;
        r.totals.totalCost = new BigDecimal("0.000000000001");
        r.scoreDataType = dev.usermetrics.records.ScoreDataType.BOOLEAN;
        r.scoreValue = BigDecimal.ONE;
        r.scoreLabel = "True";
        r.alert = dev.usermetrics.budgets.TestAlerts.full();
        assertRoundTrip(MetricsRowSerializer.INSTANCE, r);
        r.alert.windowStartMillis = null;
        r.alert.valueAtResolution = null;
        r.alert.resolvedAtMillis = null;
        r.alert.environment = null;
        assertRoundTrip(MetricsRowSerializer.INSTANCE, r);
    }


    @Test
    void copiesAreDeepAndEqual() {
        Contribution c = new Contribution("p", "u", "default", 0L);
        c.delta = metrics();
        Contribution copy = ContributionSerializer.INSTANCE.copy(c);
        assertThat(copy).isNotSameAs(c).usingRecursiveComparison().isEqualTo(c);
        assertThat(copy.delta.usage).isNotSameAs(c.delta.usage);
    }

    @Test
    void snapshotsRestoreTheSameSerializer() throws IOException {
        for (TypeSerializer<?> s : new TypeSerializer<?>[] {IngestionEventSerializer.INSTANCE, ContributionSerializer.INSTANCE,
                MetricsRowSerializer.INSTANCE}) {
            restores(s);
        }
    }

    /** If this fails, a record gained or lost a field: update its serializer (and this count). */
    @Test
    void serializersKnowEveryField() {
        Map<Class<?>, Integer> known = Map.of(IngestionEvent.class, 19, Contribution.class, 10, MetricsRow.class, 23,
                Metrics.class, 10, dev.usermetrics.budgets.BudgetAlert.class, 17, ModelMetrics.class, 10, ScoreDelta.class, 5, ScoreTotals.class, 5);
        known.forEach((type, count) -> assertThat(PrivateState.instanceFields(type))
                .as("instance fields of %s", type.getSimpleName()).hasSize(count));
    }

    private static <T> void restores(TypeSerializer<T> serializer) throws IOException {
        TypeSerializerSnapshot<T> snapshot = serializer.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<T> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), WireSerializersTest.class.getClassLoader());
        assertThat(read.restoreSerializer()).isSameAs(serializer);
        TypeSerializerSchemaCompatibility<T> compat = serializer.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(compat.isCompatibleAsIs()).isTrue();
    }

    private static Metrics metrics() {
        Metrics m = new Metrics();
        m.traces = 1;
        m.observations = -2;
        m.scores = 3;
        m.usage = new HashMap<>(Map.of("input", 10L, "input_cached_tokens", 0L));
        m.usageKeyCount = new HashMap<>(Map.of("input", 1L, "input_cached_tokens", 1L));
        m.totalTokens = 10;
        m.cost = new HashMap<>(Map.of("input", new BigDecimal("0.00100")));
        m.costKeyCount = new HashMap<>(Map.of("input", 1L));
        m.totalCost = new BigDecimal("0.00100");
        m.calculatedTotalCost = new BigDecimal("0.000250");
        return m;
    }

    private static ModelMetrics model() {
        ModelMetrics m = new ModelMetrics();
        m.observations = 1;
        m.inputTokens = 2;
        m.outputTokens = 3;
        m.totalTokens = 5;
        m.inputCost = new BigDecimal("0.1");
        m.outputCost = new BigDecimal("0.20");
        m.totalCost = new BigDecimal("0.300");
        m.calculatedTotalCost = new BigDecimal("0.10");
        m.unpricedObservations = 4;
        m.traces = 6;
        return m;
    }

    private static ScoreDelta scoreDelta() {
        ScoreDelta d = new ScoreDelta();
        d.count = 1;
        d.valueSum = BigDecimal.ONE;
        d.labels.put("True", 1L);
        d.times.put(5L, 1L);
        d.settledTimes.put(4L, 1L);
        return d;
    }

    private static <T> T roundTrip(TypeSerializer<T> s, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T back = s.deserialize(in);
        assertThat(in.available()).as("bytes left after reading").isZero();
        return back;
    }

    private static <T> void assertRoundTrip(TypeSerializer<T> s, T value) throws IOException {
        assertThat(roundTrip(s, value)).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(value);
    }
}
