package dev.usermetrics.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.ScoreDataType;
import dev.usermetrics.records.ScoreDelta;
import dev.usermetrics.records.ScoreTotals;
import dev.usermetrics.records.SinkTable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableLayoutTest {

    @Test
    void everySinkTableHasItsLayout() {
        for (SinkTable t : SinkTable.values()) {
            assertThat(TableLayout.of(t).table()).isEqualTo(t);
        }
    }

    @Test
    void upsertsGoThroughAStagingTableAndDeletesZipOneTextArrayPerKey() {
        TableLayout t = TableLayout.USER_METRICS_HOURLY;
        assertThat(t.createStageSql()).startsWith("CREATE TEMPORARY TABLE IF NOT EXISTS um_stage_user_metrics_hourly (project_id text, "
                + "user_id text, environment text, bucket_start timestamptz, trace_count bigint,").endsWith(") ON COMMIT DELETE ROWS");
        assertThat(t.copySql()).startsWith("COPY pg_temp.um_stage_user_metrics_hourly (project_id, user_id, environment, bucket_start, ")
                .endsWith(", calculated_total_cost) FROM STDIN");
        assertThat(t.copyIntoSql("s")).startsWith("COPY \"s\".user_metrics_hourly (project_id, user_id, environment, bucket_start, ")
                .endsWith(", calculated_total_cost, updated_at) FROM STDIN");
        assertThat(t.upsertSql("s")).startsWith("INSERT INTO \"s\".user_metrics_hourly (project_id, user_id, environment, bucket_start, trace_count,")
                .contains(" FROM pg_temp.um_stage_user_metrics_hourly ON CONFLICT (project_id, user_id, environment, bucket_start) "
                        + "DO UPDATE SET trace_count = EXCLUDED.trace_count");
        assertThat(t.deleteSql("s")).isEqualTo("DELETE FROM \"s\".user_metrics_hourly m USING unnest(?::text[]::text[], ?::text[]::text[], "
                + "?::text[]::text[], ?::text[]::timestamptz[]) AS d(project_id, user_id, environment, bucket_start) WHERE "
                + "m.project_id = d.project_id AND m.user_id = d.user_id AND m.environment = d.environment AND m.bucket_start = d.bucket_start");
    }

    @Test
    void valuesAreCanonicalText() {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_METRICS;
        r.projectId = "p";
        r.userId = "u";
        r.metrics = new Metrics();
        r.metrics.traces = 2;
        r.metrics.usage = Map.of("output", 5L, "input", 7L);
        r.metrics.cost = Map.of("input", new BigDecimal("0.000000000100"));
        r.metrics.totalCost = new BigDecimal("1E-10");
        r.firstSeenNanos = 1_700_000_000_123_456_500L; // rounds half up to the microsecond
        r.lastSeenNanos = null;
        r.sessionCount = 3;
        assertThat(TableLayout.USER_METRICS.values(r)).containsExactly("p", "u", "2", "0", "0", "7", "5", "0",
                "0.0000000001", "0", "0.0000000001", "{\"input\":7,\"output\":5}", "{\"input\":0.0000000001}", "0",
                "2023-11-14T22:13:20.123457Z", null, "3");
    }

    /**
     * The rule that deletes a row, as SQL over each table's columns (what docs/design.md and
     * docs/tables.md state): it must agree with MetricsRow.isDelete, which the writer and the
     * user stage follow, over the values the writer puts in those columns.
     */
    private static final Map<SinkTable, String> EMPTY_ROW = Map.of(
            SinkTable.USER_METRICS, "trace_count = 0 AND observation_count = 0 AND score_count = 0",
            SinkTable.USER_METRICS_ENV, "trace_count = 0 AND observation_count = 0 AND score_count = 0",
            SinkTable.USER_METRICS_HOURLY, "trace_count = 0 AND observation_count = 0 AND score_count = 0",
            SinkTable.USER_METRICS_DAILY, "trace_count = 0 AND observation_count = 0 AND score_count = 0",
            SinkTable.USER_MODEL_METRICS_DAILY, "observation_count = 0",
            SinkTable.USER_SCORES, "score_count = 0",
            SinkTable.PROJECT_USERS, "user_count = 0",
            SinkTable.USER_METRICS_WINDOWS, "trace_count = 0 AND observation_count = 0 AND score_count = 0");

    @Test
    void aRowIsDeletedExactlyWhenTheCountColumnsOfItsTableAreZero() {
        // Alerts are never deleted (a resolved alert is a state of its row).
        assertThat(EMPTY_ROW).containsOnlyKeys(java.util.Arrays.stream(SinkTable.values())
                .filter(t -> !t.perEntity() && t != SinkTable.USER_BUDGET_ALERTS).toList());
        for (SinkTable table : EMPTY_ROW.keySet()) {
            TableLayout layout = TableLayout.of(table);
            List<String> names = layout.columns().stream().map(TableLayout.Col::name).toList();
            List<String> counted = new ArrayList<>();
            for (String term : EMPTY_ROW.get(table).split(" AND ")) {
                String column = term.substring(0, term.indexOf(" = 0"));
                assertThat(names).as(table + " has " + column).contains(column);
                counted.add(column);
            }
            // Every combination of zero and non-zero counts, the other values never zero.
            for (int mask = 0; mask < 1 << 3; mask++) {
                MetricsRow r = row(table, (mask & 1) != 0 ? 3 : 0, (mask & 2) != 0 ? 5 : 0, (mask & 4) != 0 ? 7 : 0);
                List<String> values = layout.values(r);
                boolean sqlEmpty = counted.stream().allMatch(c -> values.get(names.indexOf(c)).equals("0"));
                assertThat(r.isDelete()).as(table + " " + values).isEqualTo(sqlEmpty);
            }
        }
    }

    /** A row of the table whose counts are a, b, c (as many as the table has), all else non-zero. */
    private static MetricsRow row(SinkTable table, long a, long b, long c) {
        MetricsRow r = new MetricsRow();
        r.table = table;
        r.projectId = "p";
        r.userId = "u";
        r.environment = "default";
        r.bucketStartMillis = 1_700_000_000_000L;
        switch (table) {
            case USER_MODEL_METRICS_DAILY -> {
                r.subKey = "gpt-4o";
                r.modelMetrics = new ModelMetrics();
                r.modelMetrics.observations = a;
                r.modelMetrics.inputTokens = 11;
                r.modelMetrics.totalTokens = 13;
                r.modelMetrics.totalCost = new BigDecimal("0.25");
                r.modelMetrics.unpricedObservations = 1;
            }
            case USER_SCORES -> {
                r.subKey = ScoreDelta.key("quality", ScoreDataType.BOOLEAN);
                r.score = new ScoreTotals();
                r.score.count = a;
                r.score.valueSum = BigDecimal.ONE;
                r.score.labels = Map.of("True", 1L);
                r.score.lastScoreAtNanos = 1_700_000_000_000_000_000L;
            }
            case PROJECT_USERS -> r.userCount = a;
            default -> {
                r.metrics = new Metrics();
                r.metrics.traces = a;
                r.metrics.observations = b;
                r.metrics.scores = c;
                r.metrics.usage = Map.of("input", 11L);
                r.metrics.totalTokens = 11;
                r.metrics.cost = Map.of("input", new BigDecimal("0.25"));
                r.metrics.totalCost = new BigDecimal("0.25");
                r.firstSeenNanos = 1_700_000_000_000_000_000L;
                r.lastSeenNanos = 1_700_000_000_000_000_000L;
            }
        }
        return r;
    }

    @Test
    void aTraceOrScoreRowIsDeletedExactlyWhenItCountsForNoUserAndIsKeyedByItsIdsThroughTheirMd5() {
        MetricsRow t = new MetricsRow();
        t.table = SinkTable.USER_TRACES;
        t.projectId = "p";
        t.traceId = "t-1";
        assertThat(t.isDelete()).isTrue();
        t.userId = "u";
        t.environment = "prod";
        t.name = "chat";
        t.sessionId = "s-1";
        t.timeNanos = 1_700_000_000_123_456_500L;
        t.totals = new dev.usermetrics.records.RowTotals();
        t.totals.traces = 1;
        t.totals.observations = 2;
        t.totals.inputTokens = 7;
        t.totals.totalTokens = 12;
        t.totals.totalCost = new BigDecimal("0.000000000100");
        assertThat(t.isDelete()).isFalse();
        assertThat(TableLayout.USER_TRACES.values(t)).containsExactly("p", "t-1", "u", "chat", "2023-11-14T22:13:20.123457Z",
                "prod", "s-1", "2", "0", "7", "0", "12", "0", "0", "0.0000000001", "0");
        assertThat(TableLayout.USER_TRACES.upsertSql("s")).contains(" ON CONFLICT (project_id, (md5(trace_id))) DO UPDATE SET user_id = ");
        assertThat(TableLayout.USER_TRACES.deleteSql("s")).endsWith(
                " WHERE m.project_id = d.project_id AND md5(m.trace_id) = md5(d.trace_id) AND m.trace_id = d.trace_id");

        MetricsRow s = new MetricsRow();
        s.table = SinkTable.USER_TRACE_SCORES;
        s.projectId = "p";
        s.traceId = "t-1";
        s.scoreId = "s-1";
        assertThat(s.isDelete()).isTrue();
        s.userId = "u";
        s.environment = "prod";
        s.name = "quality";
        s.scoreDataType = ScoreDataType.CATEGORICAL;
        s.scoreValue = BigDecimal.ONE;
        s.scoreLabel = "good";
        s.timeNanos = 1_700_000_000_000_000_000L;
        assertThat(s.isDelete()).isFalse();
        // A categorical score has no value, a numeric one no string value (Langfuse's fields).
        assertThat(TableLayout.USER_TRACE_SCORES.values(s)).containsExactly("p", "t-1", "s-1", "u", "quality", "CATEGORICAL",
                null, "good", "2023-11-14T22:13:20Z", "prod");
        assertThat(TableLayout.USER_TRACE_SCORES.upsertSql("s")).contains(" ON CONFLICT (project_id, (md5(trace_id)), (md5(score_id))) ");
        // One key per trace and score, whatever the user (a moved trace's row replaces the old one).
        MetricsRow moved = new MetricsRow();
        moved.table = SinkTable.USER_TRACE_SCORES;
        moved.projectId = "p";
        moved.traceId = "t-1";
        moved.scoreId = "s-1";
        moved.userId = "v";
        assertThat(moved.key()).isEqualTo(s.key());
    }

    @Test
    void copyTextGetsTheTransactionTimeBeforeEveryLineEndAsUtf8() {
        String text = "a\tb\n\\N\tc\\nd\n";   // the second row's field holds an escaped newline
        assertThat(new String(PostgresRowSink.copyBytes(text, "\tT"), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("a\tb\tT\n\\N\tc\\nd\tT\n");
        // Emoji (surrogate pairs) anywhere, e.g. across the driver's 64K-char buffers: intact bytes.
        String emoji = "\ud83d\ude00".repeat(40_000) + "\tx\n";
        assertThat(PostgresRowSink.copyBytes(emoji, "\tT"))
                .isEqualTo(("\ud83d\ude00".repeat(40_000) + "\tx\tT\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
