package dev.usermetrics.localcluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The sink's floor under a bounded run: how long this Postgres needs to store the rows a run
 * wrote, by the cheapest path it has — COPY of the rows (read back from the run's tables) into
 * empty copies of those tables, with all their indexes, in one transaction on one connection.
 * A bounded run can write its final rows only once its input has ended (any later event may
 * change any of them), so Flink's floor under the topology plus this is a floor for any exact
 * job that produces these tables. A second figure loads the same rows into tables without
 * indexes and builds the indexes afterwards (what a fresh table could do at best).
 *
 * <pre>PostgresFloor SCHEMA   (env POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD, as bin/sql)</pre>
 * Prints {@code postgres_floor rows=N copy_s=S index_after_s=T}. The copies live in a scratch
 * schema that is dropped at the end.
 */
public final class PostgresFloor {
    private PostgresFloor() {}

    /** The metric tables the job writes (not rejected_events, which the floor runs do not have either). */
    static final List<String> TABLES = List.of("user_metrics", "user_metrics_env", "user_metrics_hourly",
            "user_metrics_daily", "user_model_metrics_daily", "user_scores", "project_users");

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: PostgresFloor SCHEMA   (env POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD)");
            System.exit(2);
        }
        String schema = args[0];
        String scratch = schema + "_pgfloor";
        try (Connection c = LocalPostgres.connect()) {
            c.setAutoCommit(false);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            Map<String, String> columns = new LinkedHashMap<>();
            Map<String, byte[]> rows = new LinkedHashMap<>();
            long count = 0;
            for (String t : TABLES) {
                columns.put(t, writableColumns(c, schema, t));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                count += copy.copyOut("COPY (SELECT " + columns.get(t) + " FROM " + q(schema) + "." + t + ") TO STDOUT", out);
                rows.put(t, out.toByteArray());
            }
            c.commit();
            double withIndexes = load(c, copy, schema, scratch, columns, rows, false);
            double indexAfter = load(c, copy, schema, scratch, columns, rows, true);
            System.out.printf("postgres_floor rows=%d copy_s=%.3f index_after_s=%.3f%n", count, withIndexes, indexAfter);
        }
    }

    /** Seconds to COPY every table's rows into empty copies in one transaction (and build the indexes then, if asked). */
    private static double load(Connection c, CopyManager copy, String schema, String scratch, Map<String, String> columns,
            Map<String, byte[]> rows, boolean indexesAfter) throws Exception {
        List<String> indexes = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + q(scratch) + " CASCADE");
            st.execute("CREATE SCHEMA " + q(scratch));
            for (String t : TABLES) {
                st.execute("CREATE TABLE " + q(scratch) + "." + t + " (LIKE " + q(schema) + "." + t + " INCLUDING ALL)");
                if (indexesAfter) {
                    indexes.addAll(dropIndexes(c, scratch, t));
                }
            }
        }
        c.commit();
        long start = System.nanoTime();
        for (String t : TABLES) {
            copy.copyIn("COPY " + q(scratch) + "." + t + " (" + columns.get(t) + ") FROM STDIN", new ByteArrayInputStream(rows.get(t)));
        }
        try (Statement st = c.createStatement()) {
            for (String ddl : indexes) {
                st.execute(ddl);
            }
        }
        c.commit();
        double seconds = (System.nanoTime() - start) / 1e9;
        try (Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA " + q(scratch) + " CASCADE");
        }
        c.commit();
        return seconds;
    }

    /** Drops the table's indexes (its primary key too) and returns the statements that rebuild them. */
    private static List<String> dropIndexes(Connection c, String scratch, String table) throws SQLException {
        String t = q(scratch) + "." + table;
        List<String> names = new ArrayList<>();
        List<String> rebuild = new ArrayList<>();
        String primaryKey = null;
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid = '" + t + "'::regclass")) {
                primaryKey = rs.next() ? rs.getString(1) : null;
            }
            try (ResultSet rs = st.executeQuery("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '" + scratch
                    + "' AND tablename = '" + table + "'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    rebuild.add(rs.getString(2));
                }
            }
            if (primaryKey != null) {
                st.execute("ALTER TABLE " + t + " DROP CONSTRAINT " + q(primaryKey)); // drops its index
            }
            for (String name : names) {
                st.execute("DROP INDEX IF EXISTS " + q(scratch) + "." + q(name));
            }
        }
        if (primaryKey != null) {
            // Its unique index is rebuilt with the others, then becomes the constraint again.
            rebuild.add("ALTER TABLE " + t + " ADD PRIMARY KEY USING INDEX " + q(primaryKey));
        }
        return rebuild;
    }

    /** The columns a row write supplies (generated columns are computed by Postgres). */
    private static String writableColumns(Connection c, String schema, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns"
                        + " WHERE table_schema = '" + schema + "' AND table_name = '" + table + "' AND is_generated = 'NEVER'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String q(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }
}
