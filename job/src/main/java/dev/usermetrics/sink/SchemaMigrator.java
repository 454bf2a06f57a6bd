package dev.usermetrics.sink;

import dev.usermetrics.sql.SqlIdentifiers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or migrates the sink schema on job start: applies the versioned DDL files of
 * schemas/postgres (packaged under db/) that the schema has not seen yet, each in one
 * transaction, under an advisory lock so concurrent starts do not race. Idempotent.
 */
public final class SchemaMigrator {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

    /** Versions in order; file db/V{n}__{name}.sql. Add new files here, never edit old ones. */
    public static final List<String> MIGRATIONS = List.of("V1__metrics_tables.sql", "V2__environments_models_scores_views.sql",
            "V3__model_prices.sql", "V4__calculated_cost.sql", "V5__rejected_per_event.sql",
            "V6__bounded_index_keys.sql", "V7__users_list_on_its_indexes.sql", "V8__writer_claim.sql", "V9__readers_bound_to_projects.sql");

    private SchemaMigrator() {}

    /**
     * Creates or migrates a schema without running the job (bin/load-model-prices, bin/backfill):
     * url user schema; the password comes from $POSTGRES_PASSWORD (not the process list).
     */
    public static void main(String[] args) throws SQLException {
        if (args.length != 3) {
            System.err.println("usage: SchemaMigrator <jdbc-url> <user> <schema>  (password: $POSTGRES_PASSWORD)");
            System.exit(2);
        }
        int applied = migrate(args[0], args[1], System.getenv().getOrDefault("POSTGRES_PASSWORD", ""), args[2]);
        System.out.println("schema \"" + args[2] + "\": " + (applied == 0 ? "up to date" : applied + " migration(s) applied")
                + " (version " + MIGRATIONS.size() + ")");
    }

    /** Returns the number of migrations applied now (0 when the schema was up to date). */
    public static int migrate(String url, String user, String password, String schema) throws SQLException {
        return migrate(url, user, password, schema, MIGRATIONS.size());
    }

    /** Migrates up to and including version {@code target} (tests of upgrades start from an old version). */
    public static int migrate(String url, String user, String password, String schema, int target) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            c.setAutoCommit(false);
            String q = SqlIdentifiers.quote(schema);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(hashtext('user-metrics-migrate:' || " + literal(schema) + "))");
                // Only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even
                // when the schema exists, and a least-privilege job role only owns its schema.
                try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_namespace WHERE nspname = " + literal(schema))) {
                    if (!rs.next()) {
                        s.execute("CREATE SCHEMA " + q);
                    }
                }
                s.execute("CREATE TABLE IF NOT EXISTS " + q + ".schema_migrations ("
                        + "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
                s.execute("SET LOCAL search_path TO " + q);
                int applied = 0;
                for (int i = 0; i < Math.min(target, MIGRATIONS.size()); i++) {
                    int version = i + 1;
                    if (isApplied(c, q, version)) {
                        continue;
                    }
                    String name = MIGRATIONS.get(i);
                    s.execute(read("db/" + name));
                    try (PreparedStatement ins = c.prepareStatement(
                            "INSERT INTO " + q + ".schema_migrations (version, name) VALUES (?, ?)")) {
                        ins.setInt(1, version);
                        ins.setString(2, name);
                        ins.executeUpdate();
                    }
                    LOG.info("Applied migration {} to schema {}", name, schema);
                    applied++;
                }
                c.commit();
                if (applied == 0) {
                    LOG.info("Schema {} is up to date (version {})", schema, MIGRATIONS.size());
                }
                return applied;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static boolean isApplied(Connection c, String q, int version) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM " + q + ".schema_migrations WHERE version = ?")) {
            p.setInt(1, version);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static String read(String resource) {
        try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }
}
