package dev.usermetrics.sink;

import dev.usermetrics.sql.SqlIdentifiers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or migrates the sink schema on job start with Flyway: applies the versioned DDL files
 * of schemas/postgres (packaged under db/, named V{n}__{name}.sql) that the schema has not seen
 * yet, each in its own transaction, recorded in the schema's {@code schema_migrations} table
 * (Flyway's history table under the name this project always used). Idempotent; concurrent
 * starts wait for each other (a session advisory lock per schema, besides Flyway's own lock).
 *
 * <p>Schemas made by the project's earlier migrator (its own {@code schema_migrations} with
 * columns version, name, applied_at) are taken over in place: that table is renamed to
 * {@code schema_migrations_before_flyway} and Flyway baselines the schema at its highest version,
 * so nothing is applied twice and the next versions follow. Add new files, never edit applied
 * ones (Flyway checks their checksums).
 */
public final class SchemaMigrator {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

    /** The newest version in db/ ({@code SchemaMigratorTest} checks it against the files). */
    public static final int LATEST_VERSION = 15;
    /** Flyway's history table: the name the earlier migrator's table had. */
    static final String HISTORY_TABLE = "schema_migrations";
    /** Where the earlier migrator's table goes when Flyway takes a schema over. */
    static final String LEGACY_TABLE = "schema_migrations_before_flyway";

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
                + " (version " + LATEST_VERSION + ")");
    }

    /** Returns the number of migrations applied now (0 when the schema was up to date). */
    public static int migrate(String url, String user, String password, String schema) throws SQLException {
        return migrate(url, user, password, schema, LATEST_VERSION);
    }

    /** Migrates up to and including version {@code target} (tests of upgrades start from an old version). */
    public static int migrate(String url, String user, String password, String schema, int target) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            String lock = "hashtext('user-metrics-migrate:' || " + literal(schema) + ")";
            s.execute("SELECT pg_advisory_lock(" + lock + ")");
            try {
                FluentConfiguration flyway = Flyway.configure(SchemaMigrator.class.getClassLoader())
                        .dataSource(url, user, password)
                        .schemas(schema)
                        .defaultSchema(schema)
                        .table(HISTORY_TABLE)
                        .locations("classpath:db")
                        .placeholderReplacement(false) // the DDL is plain SQL: no ${...} is Flyway's
                        .cleanDisabled(true)
                        .target(Integer.toString(target))
                        .loggers("slf4j");
                Integer legacy = takeOverLegacyHistory(c, schema);
                if (legacy != null) {
                    flyway.baselineOnMigrate(true).baselineVersion(Integer.toString(legacy))
                            .baselineDescription("taken over from the earlier migrator at version " + legacy);
                }
                MigrateResult r = flyway.load().migrate();
                if (r.migrationsExecuted > 0) {
                    LOG.info("Applied {} migration(s) to schema {}: version {} -> {}", r.migrationsExecuted, schema,
                            r.initialSchemaVersion, r.targetSchemaVersion);
                } else {
                    LOG.info("Schema {} is up to date (version {})", schema, r.initialSchemaVersion);
                }
                return r.migrationsExecuted;
            } finally {
                try {
                    s.execute("SELECT pg_advisory_unlock(" + lock + ")");
                } catch (SQLException e) {
                    // The session's end releases the lock anyway; do not hide the migration's own error.
                    LOG.warn("Releasing the migration lock of schema {} failed: {}", schema, e.getMessage());
                }
            }
        }
    }

    /**
     * A schema of the earlier migrator: its history table renamed out of Flyway's way (once);
     * returns the version to baseline at, or null when Flyway keeps the history already.
     */
    private static Integer takeOverLegacyHistory(Connection c, String schema) throws SQLException {
        String q = SqlIdentifiers.quote(schema);
        boolean legacyInPlace = hasColumns(c, schema, HISTORY_TABLE, "name", "applied_at")
                && !hasColumns(c, schema, HISTORY_TABLE, "installed_rank");
        if (legacyInPlace) {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE " + q + "." + HISTORY_TABLE + " RENAME TO " + LEGACY_TABLE);
            }
            LOG.info("Schema {}: the earlier migrator's {} is now {}; Flyway takes over", schema, HISTORY_TABLE, LEGACY_TABLE);
        } else if (hasColumns(c, schema, HISTORY_TABLE, "installed_rank") || !hasColumns(c, schema, LEGACY_TABLE, "version")) {
            return null; // Flyway's history already, or a schema that never had one
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT max(version) FROM " + q + "." + LEGACY_TABLE)) {
            rs.next();
            int version = rs.getInt(1);
            return rs.wasNull() ? null : version;
        }
    }

    private static boolean hasColumns(Connection c, String schema, String table, String... columns) throws SQLException {
        try (var p = c.prepareStatement("SELECT count(*) FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? AND column_name = ANY (?)")) {
            p.setString(1, schema);
            p.setString(2, table);
            p.setArray(3, c.createArrayOf("text", columns));
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getInt(1) == columns.length;
            }
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
