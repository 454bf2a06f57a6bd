package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.sink.PostgresSinks;
import dev.usermetrics.sink.RowSink;
import dev.usermetrics.sink.SchemaMigrator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The set-based writer on a real Postgres: many rows per statement, deletes, chunks, one transaction. */
class PostgresRowSinkIT {

    private static MetricsRow bucket(String user, long traces) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_METRICS_HOURLY;
        r.projectId = "p";
        r.userId = user;
        r.environment = "default";
        r.bucketStartMillis = 1_772_359_200_000L; // 2026-03-01T10:00Z
        r.metrics = new Metrics();
        r.metrics.traces = traces;
        r.metrics.observations = traces;
        return r;
    }

    /** An empty schema at the current version. */
    private static void freshSchema(String schema) throws Exception {
        try (var c = Services.connect(); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
    }

    @Test
    void writesUpdatesAndDeletesManyRowsPerStatement() throws Exception {
        String schema = "it_row_sink";
        freshSchema(schema);
        try (RowSink sink = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", schema).rows().open(writer(schema))) {
            List<MetricsRow> rows = new ArrayList<>();
            for (int i = 0; i < 12_001; i++) { // three chunks
                rows.add(bucket("u" + i, 1 + i % 7));
            }
            sink.write(rows);
            sink.flush(); // the writer thread applies it; flush waits for it
            assertThat(count(schema, "")).isEqualTo(12_001);
            assertThat(count(schema, "WHERE trace_count = 3")).isEqualTo(java.util.stream.IntStream.range(0, 12_001).filter(i -> i % 7 == 2).count());

            // An update, a delete (nothing counted any more) and an insert in one batch.
            sink.write(List.of(bucket("u0", 40), bucket("u1", 0), bucket("new", 2)));
            sink.flush();
            assertThat(count(schema, "")).isEqualTo(12_001);
            assertThat(count(schema, "WHERE user_id = 'u0' AND trace_count = 40")).isEqualTo(1);
            assertThat(count(schema, "WHERE user_id = 'u1'")).isZero();
            assertThat(count(schema, "WHERE user_id = 'new' AND bucket_start = '2026-03-01T10:00:00Z'")).isEqualTo(1);

            // Text that array literals and JSON must escape reaches the columns unchanged.
            String nasty = "a\"b\\c,{d} NULL 'e' \\N\t\n\r \u00e9\u4e00\ud83d\ude00";
            MetricsRow odd = bucket(nasty, 3);
            odd.metrics.usage = new java.util.HashMap<>(java.util.Map.of("in\"put\\", 7L, "NULL", 0L));
            sink.write(List.of(odd));
            sink.flush();
            try (var c = Services.connect(); var ps = c.prepareStatement(
                    "SELECT usage_details->>'in\"put\\', usage_details->>'NULL' FROM " + schema + ".user_metrics_hourly WHERE user_id = ?")) {
                ps.setString(1, nasty);
                try (var rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("7");
                    assertThat(rs.getString(2)).isEqualTo("0");
                }
            }
        }
    }

    private static long count(String schema, String where) throws Exception {
        try (var c = Services.connect(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM " + schema + ".user_metrics_hourly " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void emojiUserIdsSurviveEveryCopyPathIntact() throws Exception {
        // Chunks of 5,000 rows, three quarters of their chars surrogate pairs (user ids of 150-186
        // emoji, the most a user id may have is 200 code points): with the driver's Reader variant
        // many of its 64K-char buffer boundaries fell inside a pair and those user ids came back
        // with "??"; the sink encodes the bytes itself.
        String schema = "it_row_sink_emoji";
        freshSchema(schema);
        java.util.Set<String> expected = new java.util.TreeSet<>();
        try (RowSink sink = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", schema).rows().open(writer(schema))) {
            List<MetricsRow> rows = new ArrayList<>();
            for (int i = 0; i < 12_000; i++) {
                String user = "\ud83d\ude00".repeat(150 + i % 37) + i; // odd and even offsets of the pairs
                expected.add(user);
                rows.add(bucket(user, 1));
            }
            sink.write(rows);          // COPY straight into the table
            sink.write(rows.subList(0, 6_000)); // existing keys: COPY into the staging table, then upsert
            sink.flush();
        }
        java.util.Set<String> actual = new java.util.TreeSet<>();
        try (var c = Services.connect(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT user_id FROM " + schema + ".user_metrics_hourly")) {
            while (rs.next()) {
                actual.add(rs.getString(1));
            }
        }
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void batchesApplyInOrderAndAFailedOneSurfacesAtTheNextCall() throws Exception {
        String schema = "it_row_sink_order";
        freshSchema(schema);
        try (RowSink sink = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", schema).rows().open(writer(schema))) {
            // Written back to back without waiting: the last value of each key wins.
            for (int v = 1; v <= 5; v++) {
                List<MetricsRow> rows = new ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    rows.add(bucket("u" + i, v));
                }
                sink.write(rows);
            }
            sink.flush();
            assertThat(count(schema, "WHERE trace_count = 5")).isEqualTo(2_000);
            assertThat(count(schema, "")).isEqualTo(2_000);
        }
        // The schema dropped under the open sink: every attempt fails, and the write's failure reaches the caller.
        String gone = schema + "_gone";
        new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", gone).migrate();
        RowSink broken = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", gone).rows().open(writer(gone));
        try (var c = Services.connect(); var st = c.createStatement()) {
            st.execute("DROP SCHEMA \"" + gone + "\" CASCADE");
        }
        broken.write(List.of(bucket("x", 1)));
        org.assertj.core.api.Assertions.assertThatThrownBy(broken::flush)
                .isInstanceOf(java.sql.SQLException.class).hasMessageContaining("failed 6 times");
        broken.close();
    }

    /** A writer starting without state (the schemas of these tests are empty at first). */
    private static dev.usermetrics.sink.WriterClaim.Claimant writer(String schema) {
        return new dev.usermetrics.sink.WriterClaim.Claimant(null, false, "it-" + schema, true);
    }
}
