package dev.usermetrics.localcluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Table generations behind a stable read schema. Each generation is a schema the job writes
 * (e.g. metrics_g1, metrics_g2); the read schema (e.g. metrics) holds only views onto the current
 * generation's read views, plus the table {@code generations}. Switching replaces all views in
 * one transaction, so a reader sees the old generation or the new one, never a mix or a
 * half-built one.
 *
 * <pre>
 * Generations list READ | next READ | swap READ GENERATION | drop READ GENERATION | copy-prices READ GENERATION
 * </pre>
 */
public final class Generations {
    private final Connection c;
    private final String read;

    Generations(Connection c, String read) {
        this.c = c;
        this.read = read;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        try (Connection c = LocalPostgres.connect()) {
            Generations g = new Generations(c, args[1]);
            switch (args[0]) {
                case "list" -> g.list();
                case "next" -> System.out.println(g.next());
                case "swap" -> {
                    requireArgs(args, 3);
                    String old = g.swap(args[2]);
                    System.out.println(old == null ? "" : old);
                }
                case "drop" -> {
                    requireArgs(args, 3);
                    g.drop(args[2]);
                }
                case "copy-prices" -> {
                    requireArgs(args, 3);
                    g.copyPrices(args[2]);
                }
                default -> usage();
            }
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void requireArgs(String[] args, int n) {
        if (args.length < n) {
            usage();
        }
    }

    private static void usage() {
        System.err.println("usage: Generations list READ_SCHEMA | next READ_SCHEMA | swap READ_SCHEMA GENERATION"
                + " | drop READ_SCHEMA GENERATION | copy-prices READ_SCHEMA GENERATION");
        System.exit(2);
    }

    private static String q(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }

    private void ensureReadSchema(Statement s) throws SQLException {
        s.execute("CREATE SCHEMA IF NOT EXISTS " + q(read));
        s.execute("CREATE TABLE IF NOT EXISTS " + q(read) + ".generations (name text PRIMARY KEY,"
                + " created_at timestamptz NOT NULL DEFAULT now(), activated_at timestamptz, retired_at timestamptz,"
                + " dropped_at timestamptz)");
    }

    /** The generation the read views point at, or null. */
    String current() throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT name FROM " + q(read) + ".generations WHERE activated_at IS NOT NULL AND retired_at IS NULL")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException noTableYet) {
            return null;
        }
    }

    /** READ_gN with N one more than any generation schema that exists or existed. */
    String next() throws SQLException {
        Pattern p = Pattern.compile(Pattern.quote(read) + "_g(\\d+)");
        int max = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT nspname FROM pg_namespace")) {
            while (rs.next()) {
                Matcher m = p.matcher(rs.getString(1));
                if (m.matches()) {
                    max = Math.max(max, Integer.parseInt(m.group(1)));
                }
            }
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM " + q(read) + ".generations")) {
            while (rs.next()) {
                Matcher m = p.matcher(rs.getString(1));
                if (m.matches()) {
                    max = Math.max(max, Integer.parseInt(m.group(1)));
                }
            }
        } catch (SQLException noTableYet) {
            // first generation
        }
        return read + "_g" + (max + 1);
    }

    /** Points every read view at the generation, in one transaction; returns the previous one. */
    String swap(String generation) throws SQLException {
        List<String> views = viewsOf(generation);
        if (views.isEmpty()) {
            throw new IllegalStateException("schema " + generation + " has no read views (is it a user-metrics schema?)");
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext('user-metrics-generations:' || " + literal(read) + "))");
            ensureReadSchema(s);
            String old = current();
            for (String v : viewsOf(read)) {
                s.execute("DROP VIEW " + q(read) + "." + q(v));
            }
            for (String v : views) {
                // security_invoker: the generation's views, and their tables' row-level security,
                // see the reader's role, not this view's owner (V9: readers bound to projects).
                s.execute("CREATE VIEW " + q(read) + "." + q(v) + " WITH (security_invoker = true) AS SELECT * FROM "
                        + q(generation) + "." + q(v));
            }
            if (hasTable(s, generation, "reader_projects")) {
                // Readers keep the projects granted to them: the grants move with the generation.
                if (old != null && !old.equals(generation) && hasTable(s, old, "reader_projects")) {
                    s.execute("LOCK TABLE " + q(old) + ".reader_projects IN SHARE MODE");
                    int grants = s.executeUpdate("INSERT INTO " + q(generation) + ".reader_projects SELECT * FROM "
                            + q(old) + ".reader_projects ON CONFLICT DO NOTHING");
                    System.err.println("copied " + grants + " reader grants (reader_projects) from " + old + " to " + generation);
                }
                s.execute("CREATE VIEW " + q(read) + ".reader_projects WITH (security_invoker = true) AS SELECT * FROM "
                        + q(generation) + ".reader_projects");
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + q(read) + ".generations SET retired_at = now()"
                    + " WHERE activated_at IS NOT NULL AND retired_at IS NULL")) {
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + q(read) + ".generations (name, activated_at)"
                    + " VALUES (?, now()) ON CONFLICT (name) DO UPDATE SET activated_at = now(), retired_at = NULL")) {
                ps.setString(1, generation);
                ps.executeUpdate();
            }
            s.execute("CREATE OR REPLACE VIEW " + q(read) + ".current_generation AS SELECT name, activated_at FROM "
                    + q(read) + ".generations WHERE activated_at IS NOT NULL AND retired_at IS NULL");
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = 'metrics_reader'")) {
                if (rs.next()) {
                    s.execute("GRANT USAGE ON SCHEMA " + q(read) + " TO metrics_reader");
                    s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + q(read) + " TO metrics_reader");
                    if (views.contains("unmatched_models")) {
                        // For operators: all projects, not scoped by app.project_id (V4).
                        s.execute("REVOKE SELECT ON " + q(read) + ".unmatched_models FROM metrics_reader");
                    }
                }
            }
            c.commit();
            return old;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * Copies the model price tables of the current generation into {@code generation} (migrated,
     * not yet running), replacing its own, so that a rebuild prices like the data it replaces.
     * Nothing to copy (no current generation, or one from before the price tables): says so.
     */
    void copyPrices(String generation) throws SQLException {
        String from = current();
        if (from == null || from.equals(generation)) {
            System.out.println("no current generation of " + read + ": " + generation + " keeps its own model prices");
            return;
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            if (!hasTable(s, from, "models")) {
                c.rollback();
                System.out.println(from + " has no model price tables: " + generation + " keeps its own");
                return;
            }
            s.execute("DELETE FROM " + q(generation) + ".models");
            int models = s.executeUpdate("INSERT INTO " + q(generation) + ".models SELECT * FROM " + q(from) + ".models");
            int prices = s.executeUpdate("INSERT INTO " + q(generation) + ".model_prices SELECT * FROM " + q(from) + ".model_prices");
            // Budgets too (schema version 15): the new generation alerts as the current one does.
            int budgets = 0;
            if (hasTable(s, from, "user_budgets") && hasTable(s, generation, "user_budgets")) {
                s.execute("DELETE FROM " + q(generation) + ".user_budgets");
                budgets = s.executeUpdate("INSERT INTO " + q(generation) + ".user_budgets SELECT * FROM " + q(from) + ".user_budgets");
            }
            c.commit();
            System.out.println("copied " + models + " model price definitions (" + prices + " prices) and " + budgets + " budgets from "
                    + from + " to " + generation);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    void drop(String generation) throws SQLException {
        if (generation.equals(current())) {
            throw new IllegalStateException(generation + " is the current generation of " + read + "; swap to another one first");
        }
        try (Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + q(generation) + " CASCADE");
            s.execute("UPDATE " + q(read) + ".generations SET dropped_at = now() WHERE name = " + literal(generation));
        }
        System.out.println("dropped " + generation);
    }

    void list() throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT name, activated_at, retired_at, dropped_at FROM " + q(read) + ".generations ORDER BY created_at")) {
            while (rs.next()) {
                String state = rs.getTimestamp(4) != null ? "dropped"
                        : rs.getTimestamp(2) != null && rs.getTimestamp(3) == null ? "current"
                        : rs.getTimestamp(3) != null ? "previous (kept; drop with: generations drop " + read + " " + rs.getString(1) + ")"
                        : "built, never active";
                System.out.printf("%-24s activated %-28s %s%n", rs.getString(1),
                        rs.getTimestamp(2) == null ? "-" : rs.getTimestamp(2).toInstant(), state);
            }
        } catch (SQLException noTable) {
            System.out.println("no generations behind " + read + " yet");
        }
    }

    private static boolean hasTable(Statement s, String schema, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT to_regclass(" + literal(q(schema) + "." + q(table)) + ") IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private List<String> viewsOf(String schema) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT table_name FROM information_schema.views WHERE table_schema = ? AND table_name <> 'current_generation' ORDER BY 1")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
