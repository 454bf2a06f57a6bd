package dev.usermetrics.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import java.math.BigDecimal;
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
        assertThat(TableLayout.USER_METRICS.values(r)).containsExactly("p", "u", "2", "0", "0", "7", "5", "0",
                "0.0000000001", "0", "0.0000000001", "{\"input\":7,\"output\":5}", "{\"input\":0.0000000001}", "0",
                "2023-11-14T22:13:20.123457Z", null);
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
