package dev.usermetrics.functions.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.functions.Lww;
import dev.usermetrics.functions.ObservationState;
import dev.usermetrics.functions.ScoreState;
import dev.usermetrics.functions.TraceState;
import dev.usermetrics.functions.UserTotals;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.ScoreTotals;
import dev.usermetrics.records.ScoreDataType;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The stored form of each compact state format (the metrics buckets are pinned inside the user totals), version 1, pinned byte for byte: savepoints and
 * checkpoints hold these bytes, so a change to a serializer that would make them unreadable
 * fails here (then bump the snapshot's version and keep reading version 1). Each fixture must
 * also read back into the state it was written from.
 *
 * <p>The fixtures ({@value #DIR}) were written by this test's {@code main} from the states below.
 */
class StateFormatFixtureTest {
    static final String DIR = "src/test/resources/state-formats";
    private static final long T0 = 1_764_000_000_123_456_789L;
    private static final String E1 = "0f8fad5b-d9cb-469f-a165-70867728950e";
    private static final String E2 = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    @Test
    void observationV1() throws IOException {
        check("observation-v1.hex", new ObservationStateSerializer(), observation());
    }

    @Test
    void scoreV1() throws IOException {
        check("score-v1.hex", new ScoreStateSerializer(), score());
    }

    @Test
    void traceV1() throws IOException {
        check("trace-v1.hex", new TraceStateSerializer(), trace());
    }

    @Test
    void userTotalsV1() throws IOException {
        check("user-totals-v1.hex", new UserTotalsSerializer(), userTotals());
    }

    @Test
    void modelMetricsV1() throws IOException {
        check("model-metrics-v1.hex", new ModelMetricsSerializer(), modelMetrics());
    }

    @Test
    void scoreTotalsV1() throws IOException {
        check("score-totals-v1.hex", new ScoreTotalsSerializer(), scoreTotals());
    }

    static UserTotals userTotals() {
        Metrics m = new Metrics();
        m.traces = 3;
        m.observations = 11;
        m.scores = 2;
        m.usage = ordered("input", 5_000L, "output", 700L, "total", 5_700L);
        m.usageKeyCount = ordered("input", 9L, "output", 9L, "total", 9L);
        m.totalTokens = 5_700;
        m.cost = ordered("total", new BigDecimal("0.012345678901"));
        m.costKeyCount = ordered("total", 4L);
        m.totalCost = new BigDecimal("0.012345678901");
        m.calculatedTotalCost = new BigDecimal("0.002000000000");
        UserTotals t = new UserTotals();
        t.metrics = m;
        t.firstSeenNanos = T0;
        t.lastSeenNanos = T0 + 3_600_000_000_000L;
        t.settledFirstNanos = null;
        t.settledLastNanos = T0 + 60_000_000_000L;
        return t;
    }

    static ModelMetrics modelMetrics() {
        ModelMetrics m = new ModelMetrics();
        m.observations = 4;
        m.inputTokens = 1_200;
        m.outputTokens = 300;
        m.totalTokens = 1_500;
        m.inputCost = new BigDecimal("0.003000000000");
        m.outputCost = new BigDecimal("0.004500000000");
        m.totalCost = new BigDecimal("0.007500000000");
        m.calculatedTotalCost = BigDecimal.ZERO;
        m.unpricedObservations = 1;
        return m;
    }

    static ScoreTotals scoreTotals() {
        ScoreTotals s = new ScoreTotals();
        s.count = 3;
        s.valueSum = new BigDecimal("2");
        s.labels = ordered("False", 1L, "True", 2L);
        s.lastScoreAtNanos = T0;
        s.settledLastNanos = T0 - 1_000;
        return s;
    }

    static ObservationState observation() {
        ObservationState o = new ObservationState();
        o.eventIds = new ArrayList<>(List.of(E1, E2, "evt-7"));
        o.startTimeNanos = T0 - 1_000;
        o.startVerTs = T0;
        o.startVerId = E1;
        o.user = lww("user-1", T0 + 5, E2);
        o.environment = lww("production", T0, E1);
        o.model = lww("gpt-4o", T0 + 5, E2);
        o.minEventTsNanos = T0;
        o.usage = ordered("input", 1200L, "output", 345L, "total", 1545L);
        o.usageVerTs = T0 + 5;
        o.usageVerId = E2;
        o.cost = null;
        o.calculatedCost = ordered("input", new BigDecimal("0.003000000000"), "total", new BigDecimal("0.006450000000"));
        o.unpriced = false;
        return o;
    }

    static ScoreState score() {
        ScoreState s = new ScoreState();
        s.eventIds = new ArrayList<>(List.of(E1));
        s.name = "helpfulness";
        s.dataType = ScoreDataType.BOOLEAN;
        s.value = BigDecimal.ONE;
        s.label = "True";
        s.verTs = T0;
        s.verId = E1;
        s.bodyTimeNanos = T0 - 7;
        s.timeVerTs = T0;
        s.timeVerId = E1;
        s.minEventTsNanos = T0;
        return s;
    }

    static TraceState trace() {
        TraceState t = new TraceState();
        t.eventIds = new ArrayList<>(List.of(E1));
        t.bodyTimeNanos = T0 - 2_000;
        t.bodyTimeVerTs = T0;
        t.bodyTimeVerId = E1;
        t.minTraceEventTsNanos = T0;
        t.user = lww("user-1", T0 + 9, "obs-event-3"); // set by an observation's event
        t.environment = lww("production", T0, E1);
        t.minObservationTimeNanos = T0 - 1_000;
        t.scoreCount = 1;
        t.observationCount = 4;
        t.observationCountKnown = true;
        t.emittedUser = "user-1";
        t.emittedEnvironment = "production";
        t.emittedTraceTimeNanos = T0 - 2_000;
        t.expiresAtMillis = 1_764_604_800_000L;
        t.totalsKnown = false; // written before a trace's totals were kept: reads as "recount them"
        t.modelDaysKnown = false; // the same for its observations per (day, model)
        return t;
    }

    private static <T> void check(String fixture, TypeSerializer<T> s, T state) throws IOException {
        byte[] stored = HexFormat.of().parseHex(Files.readString(Path.of(DIR, fixture), StandardCharsets.US_ASCII).strip());
        assertThat(s.deserialize(new DataInputDeserializer(stored))).usingRecursiveComparison().isEqualTo(state);
        assertThat(HexFormat.of().formatHex(bytes(s, state))).as("the stored form of " + fixture)
                .isEqualTo(HexFormat.of().formatHex(stored));
    }

    private static <T> byte[] bytes(TypeSerializer<T> s, T state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(state, out);
        return out.getCopyOfBuffer();
    }

    /** An insertion-ordered map (the bytes depend on the order; a sorted map would compare differently). */
    private static <V> Map<String, V> ordered(Object... keysAndValues) {
        Map<String, V> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            @SuppressWarnings("unchecked")
            V v = (V) keysAndValues[i + 1];
            m.put((String) keysAndValues[i], v);
        }
        return m;
    }

    static Lww lww(String value, long ts, String id) {
        Lww f = new Lww();
        f.value = value;
        f.verTs = ts;
        f.verId = id;
        return f;
    }

    /** Writes the fixtures (run once per new format version, from the job module's directory). */
    public static void main(String[] args) throws IOException {
        Files.createDirectories(Path.of(DIR));
        Files.writeString(Path.of(DIR, "observation-v1.hex"), HexFormat.of().formatHex(bytes(new ObservationStateSerializer(), observation())) + "\n");
        Files.writeString(Path.of(DIR, "score-v1.hex"), HexFormat.of().formatHex(bytes(new ScoreStateSerializer(), score())) + "\n");
        Files.writeString(Path.of(DIR, "trace-v1.hex"), HexFormat.of().formatHex(bytes(new TraceStateSerializer(), trace())) + "\n");
        Files.writeString(Path.of(DIR, "user-totals-v1.hex"), HexFormat.of().formatHex(bytes(new UserTotalsSerializer(), userTotals())) + "\n");
        Files.writeString(Path.of(DIR, "model-metrics-v1.hex"), HexFormat.of().formatHex(bytes(new ModelMetricsSerializer(), modelMetrics())) + "\n");
        Files.writeString(Path.of(DIR, "score-totals-v1.hex"), HexFormat.of().formatHex(bytes(new ScoreTotalsSerializer(), scoreTotals())) + "\n");
    }
}
