package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.sink.SchemaMigrator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What rejected_events keeps, on the real job and Postgres: the raw prefix is --rejected.raw-chars
 * long, and rows older than --rejected.retention are deleted by the job (rows within it stay); the
 * same for the user page's list rows and --lists.retention.
 */
class RejectedRetentionIT {

    private static void insertRejected(Statement s, String schema, long offset, String age) throws Exception {
        s.execute("INSERT INTO " + schema + ".rejected_events (event_id, action, reason, raw, kafka_topic, kafka_partition,"
                + " kafka_offset, received_at) VALUES ('old-" + offset + "', 'rejected', 'not_json', 'secret prompt', 'earlier', 0, "
                + offset + ", now() - interval '" + age + "')");
    }

    /** A schema at the current version whose rejected_events holds one row per age (offsets 1, 2, …). */
    private static void freshSchemaWithRejected(String schema, String... ages) throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            for (int i = 0; i < ages.length; i++) {
                insertRejected(s, schema, i + 1, ages[i]);
            }
        }
    }

    private static List<String> rows(String schema) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT kafka_topic, kafka_offset, reason, coalesce(raw, '<null>') FROM " + schema
                        + ".rejected_events ORDER BY kafka_topic, kafka_offset")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "@" + rs.getLong(2) + " " + rs.getString(3) + " " + rs.getString(4));
            }
        }
        return out;
    }

    @Test
    void theJobKeepsTheConfiguredPrefixAndDeletesRowsPastTheRetention() throws Exception {
        String schema = "it_rejected_retention";
        freshSchemaWithRejected(schema, "40 days", "29 days"); // past a 30-day retention, and within it
        Topics.produce("it-rejected-retention", 1, List.of(
                "{\"id\":\"e1\",\"timestamp\":\"2026-11-25T10:00:00Z\",\"type\":\"trace-create\",\"projectId\":\"p1\","
                        + "\"body\":{\"id\":\"t1\",\"userId\":\"u1\"}}",
                "this is not json, and it mentions a customer's prompt"));

        JobArgs.run(JobArgs.bounded("it-rejected-retention", schema,
                "--rejected.raw-chars", "12", "--rejected.retention", "30d"));

        assertThat(rows(schema)).containsExactly(
                "earlier@2 not_json secret prompt",
                "it-rejected-retention@1 not_json this is not ");
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT trace_count FROM " + schema + ".user_metrics WHERE user_id = 'u1'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(1); // the valid event is counted as always
        }
    }

    @Test
    void noRawTextAndNoRetentionWhenSwitchedOff() throws Exception {
        String schema = "it_rejected_keep";
        freshSchemaWithRejected(schema, "4000 days");
        Topics.produce("it-rejected-keep", 1, List.of("not json either"));

        JobArgs.run(JobArgs.bounded("it-rejected-keep", schema, "--rejected.raw-chars", "0", "--rejected.retention", "0"));

        assertThat(rows(schema)).containsExactly("earlier@1 not_json secret prompt", "it-rejected-keep@0 not_json <null>");
    }

    /** --lists.retention: trace and score rows whose time is older go; newer ones, and the aggregates, stay. */
    @Test
    void listRowsPastTheirRetentionAreDeletedAndTheAggregatesKept() throws Exception {
        String schema = "it_lists_retention";
        freshSchemaWithRejected(schema);
        java.time.Instant now = java.time.Instant.now();
        String old = now.minus(java.time.Duration.ofDays(40)).toString();
        String recent = now.minus(java.time.Duration.ofDays(2)).toString();
        Topics.produce("it-lists-retention", 1, List.of(
                "{\"id\":\"e1\",\"timestamp\":\"" + old + "\",\"type\":\"trace-create\",\"projectId\":\"p1\","
                        + "\"body\":{\"id\":\"t-old\",\"userId\":\"u1\"}}",
                "{\"id\":\"e2\",\"timestamp\":\"" + old + "\",\"type\":\"score-create\",\"projectId\":\"p1\","
                        + "\"body\":{\"id\":\"s-old\",\"traceId\":\"t-old\",\"name\":\"q\",\"value\":1}}",
                "{\"id\":\"e3\",\"timestamp\":\"" + recent + "\",\"type\":\"trace-create\",\"projectId\":\"p1\","
                        + "\"body\":{\"id\":\"t-new\",\"userId\":\"u1\"}}",
                "{\"id\":\"e4\",\"timestamp\":\"" + recent + "\",\"type\":\"score-create\",\"projectId\":\"p1\","
                        + "\"body\":{\"id\":\"s-new\",\"traceId\":\"t-new\",\"name\":\"q\",\"value\":1}}"));

        JobArgs.run(JobArgs.bounded("it-lists-retention", schema, "--lists.retention", "30d"));

        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            assertThat(strings(s, "SELECT trace_id FROM " + schema + ".user_traces")).containsExactly("t-new");
            assertThat(strings(s, "SELECT score_id FROM " + schema + ".user_trace_scores")).containsExactly("s-new");
            assertThat(strings(s, "SELECT trace_count || '/' || score_count FROM " + schema + ".user_metrics")).containsExactly("2/2");
        }
    }

    private static List<String> strings(Statement s, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
