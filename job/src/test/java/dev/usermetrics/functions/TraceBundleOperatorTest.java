package dev.usermetrics.functions;

import static dev.usermetrics.functions.Events.obs;
import static dev.usermetrics.functions.Events.score;
import static dev.usermetrics.functions.Events.trace;
import static dev.usermetrics.functions.Events.withEnv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.pricing.PriceSnapshot;
import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.ScoreDataType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The bundled trace stage gives the same sums as the plain function, event by event, for any
 * bundle size: random traces with late and changing users, updates, duplicates and scores.
 */
class TraceBundleOperatorTest {

    private static List<IngestionEvent> events(long seed) {
        Random r = new Random(seed);
        List<IngestionEvent> out = new ArrayList<>();
        int id = 0;
        for (int t = 0; t < 60; t++) {
            String trace = "t" + t;
            String user = "u" + r.nextInt(8);
            long ts = 1000 + r.nextInt(20_000);
            if (r.nextInt(10) < 8) {
                out.add(withEnv(trace("e" + id++, ts, trace, r.nextInt(3) == 0 ? null : user), r.nextBoolean() ? "prod" : null));
            }
            int n = 1 + r.nextInt(5);
            for (int o = 0; o < n; o++) {
                String later = r.nextInt(5) == 0 ? "u" + r.nextInt(8) : r.nextBoolean() ? user : null;
                IngestionEvent e = obs("e" + id++, ts + 1 + r.nextInt(4000), trace, trace + "-o" + o, later,
                        ts + o, Map.of("input", (long) r.nextInt(500), "output", (long) r.nextInt(90)),
                        r.nextBoolean() ? Map.of("total", new BigDecimal("0.000001").multiply(BigDecimal.valueOf(r.nextInt(900)))) : null);
                e.model = r.nextBoolean() ? "gpt-4o" : "claude";
                out.add(e);
                if (r.nextInt(4) == 0) {
                    out.add(e); // a duplicate delivery
                }
                if (r.nextInt(3) == 0) { // an update with new usage
                    out.add(obs("e" + id++, ts + 5000 + r.nextInt(4000), trace, trace + "-o" + o, null, null,
                            Map.of("input", (long) r.nextInt(700)), null));
                }
            }
            if (r.nextInt(3) == 0) {
                out.add(score("e" + id++, ts + 100, trace, trace + "-s", "quality", ScoreDataType.NUMERIC, "0.5", null));
            }
        }
        Collections.shuffle(out, r);
        return out;
    }

    /** Contributions summed per (user, environment, hour), each sum in a canonical text form. */
    private static Map<String, String> sums(List<Contribution> cs) {
        Map<String, Contribution> by = new TreeMap<>();
        for (Contribution c : cs) {
            by.computeIfAbsent(c.userId + "/" + c.environment + "/" + c.hourStartMillis,
                    k -> new Contribution(c.projectId, c.userId, c.environment, c.hourStartMillis)).add(c);
        }
        Map<String, String> out = new TreeMap<>();
        by.forEach((k, c) -> {
            Map<String, Long> usage = new TreeMap<>(c.delta.usage);
            usage.values().removeIf(v -> v == 0);
            Map<Long, Long> times = new TreeMap<>(c.traceTimes);
            times.values().removeIf(v -> v == 0);
            Map<String, String> models = new TreeMap<>();
            c.byModel.forEach((m, mm) -> {
                // Trace counts per model are compared per day (modelTracesPerDay): which hour of the
                // day carries a trace's +1 depends on the observation a session touched first.
                ModelMetrics withoutTraces = new ModelMetrics();
                withoutTraces.add(mm, +1);
                withoutTraces.traces = 0;
                if (!withoutTraces.isZero()) {
                    models.put(m, mm.observations + "/" + mm.totalTokens + "/" + mm.totalCost.stripTrailingZeros().toPlainString());
                }
            });
            String text = c.delta.traces + " " + c.delta.observations + " " + c.delta.scores + " " + c.delta.totalTokens + " "
                    + c.delta.totalCost.stripTrailingZeros().toPlainString() + " " + usage + " " + times + " " + models;
            if (!text.equals("0 0 0 0 0 {} {} {}")) {
                out.put(k, text);
            }
        });
        return out;
    }

    /** The model trace counts summed per (user, environment, day, model), non-zero only. */
    private static Map<String, Long> modelTracesPerDay(List<Contribution> cs) {
        Map<String, Long> out = new TreeMap<>();
        for (Contribution c : cs) {
            c.byModel.forEach((m, mm) -> out.merge(c.userId + "/" + c.environment + "/"
                    + Math.floorDiv(c.hourStartMillis, 86_400_000L) + "/" + m, mm.traces, Long::sum));
        }
        out.values().removeIf(n -> n == 0);
        return out;
    }

    private static List<Contribution> plain(List<IngestionEvent> events) throws Exception {
        try (var h = ResolverHarness.open(new TraceResolver())) {
            for (IngestionEvent e : events) {
                h.processElement(e, 0);
            }
            return new ArrayList<>(h.extractOutputValues());
        }
    }

    private static List<Contribution> bundled(List<IngestionEvent> events, int maxEvents) throws Exception {
        TraceBundleOperator op = new TraceBundleOperator(new TraceResolver(), maxEvents);
        try (var h = new KeyedTwoInputStreamOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution>(
                op, new Keys.ByTrace(), p -> "prices", Types.STRING)) {
            h.open();
            for (IngestionEvent e : events) {
                h.processElement1(new StreamRecord<>(e));
            }
            assertThat(op.buffered()).isEqualTo(events.size() % maxEvents);
            op.endInput(1);
            assertThat(op.buffered()).isZero();
            List<Contribution> out = new ArrayList<>();
            for (Object o : h.getOutput()) {
                if (o instanceof StreamRecord<?> sr) {
                    out.add((Contribution) sr.getValue());
                }
            }
            return out;
        }
    }

    @Test
    void anyBundleSizeGivesTheSameSumsAsEventByEvent() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            List<IngestionEvent> events = events(seed);
            List<Contribution> eventByEvent = plain(events);
            Map<String, String> expected = sums(eventByEvent);
            Map<String, Long> expectedTraces = modelTracesPerDay(eventByEvent);
            assertThat(expected).hasSizeGreaterThan(5);
            assertThat(expectedTraces).hasSizeGreaterThan(5);
            for (int size : new int[] {1, 2, 7, 50, 100_000}) {
                List<Contribution> out = bundled(events, size);
                assertThat(sums(out)).as("seed %d, bundle %d", seed, size).isEqualTo(expected);
                assertThat(modelTracesPerDay(out)).as("model traces, seed %d, bundle %d", seed, size).isEqualTo(expectedTraces);
            }
        }
    }

    /** The latest list row per trace / score, as text (deleted rows: "deleted"). */
    private static Map<String, String> latestRows(Iterable<? extends StreamRecord<dev.usermetrics.records.MetricsRow>> rows) {
        Map<String, String> out = new TreeMap<>();
        if (rows != null) {
            for (StreamRecord<dev.usermetrics.records.MetricsRow> r : rows) {
                var row = r.getValue();
                String text = row.isDelete() ? "deleted" : row.userId + " " + row.environment + " " + row.name + " " + row.sessionId
                        + " " + row.timeNanos + (row.totals == null ? "" : " " + row.totals.observations + "/" + row.totals.scores + "/"
                        + row.totals.totalTokens + "/" + row.totals.totalCost.stripTrailingZeros().toPlainString())
                        + (row.scoreDataType == null ? "" : " " + row.scoreDataType + " " + row.scoreValue);
                out.put(row.key().toString(), text);
            }
        }
        return out;
    }

    /** The list rows leave the bundle through the operator's side output, ending where the event-by-event function's end. */
    @Test
    void anyBundleSizeEndsWithTheSameListRowsAsEventByEvent() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            List<IngestionEvent> events = events(seed);
            Map<String, String> expected;
            try (var h = ResolverHarness.open(new TraceResolver())) {
                for (IngestionEvent e : events) {
                    h.processElement(e, 0);
                }
                expected = latestRows(h.getSideOutput(TraceResolver.ROWS));
            }
            assertThat(expected).hasSizeGreaterThan(20);
            for (int size : new int[] {1, 7, 100_000}) {
                TraceBundleOperator op = new TraceBundleOperator(new TraceResolver(), size);
                try (var h = new KeyedTwoInputStreamOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution>(
                        op, new Keys.ByTrace(), p -> "prices", Types.STRING)) {
                    h.open();
                    for (IngestionEvent e : events) {
                        h.processElement1(new StreamRecord<>(e));
                    }
                    op.endInput(1);
                    assertThat(latestRows(h.getSideOutput(TraceResolver.ROWS))).as("seed %d, bundle %d", seed, size).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aBarrierAppliesTheBundle() throws Exception {
        TraceBundleOperator op = new TraceBundleOperator(new TraceResolver(), 1000);
        try (var h = new KeyedTwoInputStreamOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution>(
                op, new Keys.ByTrace(), p -> "prices", Types.STRING)) {
            h.open();
            h.processElement1(new StreamRecord<>(trace("e1", 10, "t1", "u1")));
            assertThat(h.getOutput()).isEmpty();
            h.prepareSnapshotPreBarrier(1);
            assertThat(op.buffered()).isZero();
            assertThat(h.extractOutputValues()).extracting(c -> c.userId + ":" + c.delta.traces).containsExactly("u1:1");
        }
    }

    @Test
    void aTraceMovedWithinABundleIsEmittedOnceWhereItEndsUp() throws Exception {
        // Event by event, u1 would be credited and then debited; bundled, the trace's events are
        // one session and only the final user (u2) receives anything.
        List<IngestionEvent> events = List.of(
                trace("e1", 10, "t1", "u1"),
                obs("e2", 11, "t1", "o1", null, 11L, Map.of("input", 7L), null),
                obs("e3", 12, "t1", "o2", null, 12L, Map.of("input", 5L), null),
                trace("e4", 20, "t1", "u2"));
        assertThat(plain(events)).extracting(c -> c.userId).contains("u1");
        List<Contribution> out = bundled(events, 100);
        assertThat(out).extracting(c -> c.userId + ":" + c.delta.traces + ":" + c.delta.observations + ":" + c.delta.usage)
                .containsExactly("u2:1:2:{input=12}");
    }

    @Test
    void aWatermarkAppliesTheBundleFirstAndExpiresByTheDataTimeOfItsEvents() throws Exception {
        TraceBundleOperator op = new TraceBundleOperator(new TraceResolver(new IdleExpiry(java.time.Duration.ofMinutes(10))), 1000);
        try (var h = new KeyedTwoInputStreamOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution>(
                op, new Keys.ByTrace(), p -> "prices", Types.STRING)) {
            h.open();
            h.processWatermark2(new org.apache.flink.streaming.api.watermark.Watermark(Long.MAX_VALUE)); // prices: no time
            h.processElement1(new StreamRecord<>(trace("e1", 10, "t1", "u1"), 0));
            h.processElement1(new StreamRecord<>(obs("e2", 20, "t1", "o1", null, 20L, Map.of("input", 5L), null), 4 * 60_000));
            h.processElement1(new StreamRecord<>(trace("e3", 10, "t2", "u2"), 0));
            // The clock passes t2's expiry (10 min after 0) but not t1's (10 min after 4 min):
            // the bundle is applied before the timers, so t1's latest event counts.
            h.processWatermark1(new org.apache.flink.streaming.api.watermark.Watermark(12 * 60_000));
            assertThat(op.buffered()).isZero();
            assertThat(settles(h)).containsExactly("u2");
            h.processWatermark1(new org.apache.flink.streaming.api.watermark.Watermark(15 * 60_000));
            assertThat(settles(h)).containsExactly("u2", "u1");
        }
    }

    @Test
    void theFinalWatermarkExpiresNothing() throws Exception {
        // End of input (or a drain): nothing can arrive later, so expiring would only cost.
        TraceBundleOperator op = new TraceBundleOperator(new TraceResolver(new IdleExpiry(java.time.Duration.ofMinutes(10))), 1000);
        try (var h = new KeyedTwoInputStreamOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution>(
                op, new Keys.ByTrace(), p -> "prices", Types.STRING)) {
            h.open();
            h.processElement1(new StreamRecord<>(trace("e1", 10, "t1", "u1"), 0));
            h.processBothWatermarks(org.apache.flink.streaming.api.watermark.Watermark.MAX_WATERMARK);
            assertThat(h.extractOutputValues()).extracting(c -> c.userId + ":" + c.delta.traces).containsExactly("u1:1");
            assertThat(h.numEventTimeTimers()).isEqualTo(1); // still registered, never fired
            assertThat(h.getOutput()).contains(org.apache.flink.streaming.api.watermark.Watermark.MAX_WATERMARK);
        }
    }

    private static List<String> settles(KeyedTwoInputStreamOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution> h) {
        return h.extractOutputValues().stream().filter(Contribution::onlySettles).map(c -> c.userId).toList();
    }
}
