package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.sink.SchemaMigrator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaMigratorIT {

    private static String names(String schema, String tableType) throws SQLException {
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                        + schema.replace("'", "''") + "' AND table_type = '" + tableType + "' ORDER BY 1")) {
            StringBuilder names = new StringBuilder();
            while (rs.next()) {
                names.append(rs.getString(1)).append(' ');
            }
            return names.toString().trim();
        }
    }

    @Test
    void createsTheSchemaOnceAndIsIdempotent() throws Exception {
        String schema = "Mixed \"Case\" schema";
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema))
                .isEqualTo(SchemaMigrator.LATEST_VERSION);
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema)).isZero();
        assertThat(names(schema, "BASE TABLE")).isEqualTo("model_prices models project_users reader_projects rejected_events schema_migrations user_budget_alerts user_budgets user_metrics user_metrics_daily "
                + "user_metrics_env user_metrics_hourly user_metrics_windows user_model_metrics_daily user_scores user_trace_scores user_traces writer_claim");
        assertThat(names(schema, "VIEW")).isEqualTo("project_user_counts unmatched_models user_budget_alerts_list user_budgets_list user_detail user_metrics_by_day user_metrics_by_hour "
                + "user_metrics_by_month user_metrics_by_week user_model_usage_daily user_scores_by_name user_scores_list user_sessions_list user_traces_list users_list users_list_recent");
    }

    @Test
    void version2KeepsTheRowsOfVersion1InTheDefaultEnvironment() throws Exception {
        String schema = "upgrade_v1";
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema, 1)).isEqualTo(1);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO upgrade_v1.user_metrics_daily (project_id, user_id, bucket_start, trace_count, observation_count,"
                    + " input_tokens, output_tokens, total_tokens, input_cost, output_cost, total_cost, usage_details, cost_details,"
                    + " updated_at) VALUES ('p', 'u', '2026-01-01T00:00:00Z', 2, 3, 1, 1, 2, 0, 0, 0.5, '{}', '{}', now())");
        }
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema))
                .isEqualTo(SchemaMigrator.LATEST_VERSION - 1);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("SET app.project_id = 'p'");
            ResultSet rs = s.executeQuery("SELECT \"userId\", environment, \"countTraces\", \"countScores\", \"totalCost\""
                    + " FROM upgrade_v1.user_metrics_by_day");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1) + " " + rs.getString(2) + " " + rs.getLong(3) + " " + rs.getLong(4) + " "
                    + rs.getBigDecimal(5).toPlainString()).isEqualTo("u default 2 0 0.5");
        }
    }

    /**
     * Least privilege: the job can run as a role that owns only its schema (an administrator
     * creates the role and the schema, docs/operations.md); that role cannot touch any other.
     */
    @Test
    void theJobsWriterRoleWritesItsOwnSchemaAndNothingElse() throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS writer_own CASCADE");
            s.execute("DROP SCHEMA IF EXISTS writer_other CASCADE");
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'it_writer') THEN "
                    + "CREATE ROLE it_writer LOGIN; END IF; END $$");
            s.execute("CREATE SCHEMA writer_own AUTHORIZATION it_writer");
        }
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", "writer_other")).isPositive();
        // The embedded server's URL names its superuser; without that parameter we connect as it_writer.
        String url = Services.postgresUrl().replaceFirst("\\?.*$", "");
        assertThat(SchemaMigrator.migrate(url, "it_writer", "", "writer_own"))
                .isEqualTo(SchemaMigrator.LATEST_VERSION);
        try (Connection c = java.sql.DriverManager.getConnection(url, "it_writer", "");
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT current_user")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("it_writer");
            }
            s.execute("INSERT INTO writer_own.project_users VALUES ('p', '', 1, now())");
            for (String sql : List.of(
                    "INSERT INTO writer_other.project_users VALUES ('p', '', 1, now())",
                    "SELECT * FROM writer_other.user_metrics",
                    "CREATE SCHEMA writer_new",
                    "DROP TABLE writer_other.user_metrics")) {
                boolean denied = false;
                try {
                    s.execute(sql);
                } catch (java.sql.SQLException e) {
                    denied = e.getMessage().contains("permission denied");
                }
                assertThat(denied).as("denied to the writer role: %s", sql).isTrue();
            }
        }
    }

    /**
     * A schema as the project's earlier migrator left it (its own schema_migrations: version,
     * name, applied_at; every file applied with search_path set to the schema, in one
     * transaction), at {@code version}.
     */
    private static void legacySchema(String schema, int version) throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                    + " applied_at timestamptz NOT NULL DEFAULT now())");
            s.execute("SET LOCAL search_path TO " + schema);
            List<java.nio.file.Path> files;
            try (var list = java.nio.file.Files.list(java.nio.file.Path.of("..", "schemas", "postgres"))) {
                files = list.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql"))
                        .sorted(java.util.Comparator.comparingInt(f -> Integer.parseInt(f.getFileName().toString().replaceAll("^V(\\d+)__.*", "$1"))))
                        .toList();
            }
            for (java.nio.file.Path f : files.subList(0, version)) {
                s.execute(java.nio.file.Files.readString(f));
                s.execute("INSERT INTO " + schema + ".schema_migrations (version, name) VALUES ("
                        + (files.indexOf(f) + 1) + ", '" + f.getFileName() + "')");
            }
            c.commit();
        }
    }

    private static List<String> history(String schema) throws SQLException {
        List<String> out = new java.util.ArrayList<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version, type, success FROM " + schema + ".schema_migrations ORDER BY installed_rank")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getBoolean(3));
            }
        }
        return out;
    }

    /**
     * Schemas made by the earlier migrator are taken over in place: at version 5 (with rows) the
     * rest is applied once, at the latest version nothing is; the old table is kept aside.
     */
    @Test
    void schemasOfTheEarlierMigratorAreTakenOverInPlace() throws Exception {
        legacySchema("legacy_v5", 5);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO legacy_v5.user_metrics (project_id, user_id, trace_count, observation_count, score_count,"
                    + " input_tokens, output_tokens, total_tokens, input_cost, output_cost, total_cost, usage_details, cost_details,"
                    + " updated_at) VALUES ('p', 'u', 3, 4, 0, 1, 1, 2, 0, 0, 0.25, '{}', '{}', now())");
        }
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", "legacy_v5"))
                .isEqualTo(SchemaMigrator.LATEST_VERSION - 5);
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", "legacy_v5")).isZero();
        List<String> expected = new java.util.ArrayList<>(List.of("5 BASELINE true"));
        for (int v = 6; v <= SchemaMigrator.LATEST_VERSION; v++) {
            expected.add(v + " SQL true");
        }
        assertThat(history("legacy_v5")).isEqualTo(expected);
        assertThat(names("legacy_v5", "BASE TABLE")).contains("schema_migrations_before_flyway", "writer_claim", "reader_projects");
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT trace_count, total_cost FROM legacy_v5.user_metrics WHERE user_id = 'u'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(3);
            assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("0.25");
        }

        legacySchema("legacy_latest", SchemaMigrator.LATEST_VERSION);
        assertThat(SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", "legacy_latest")).isZero();
        assertThat(history("legacy_latest")).containsExactly(SchemaMigrator.LATEST_VERSION + " BASELINE true");
    }
}
