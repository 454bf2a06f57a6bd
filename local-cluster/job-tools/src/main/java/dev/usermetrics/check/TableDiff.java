package dev.usermetrics.check;

import dev.usermetrics.records.Decimals;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares the metric tables of two schemas row by row (the columns both have, but updated_at;
 * decimals by value): a run under faults or bad input against a clean reference run over the
 * same events, or runs of two versions (a column only one of them has is named and skipped).
 *
 * <pre>TableDiff URL USER SCHEMA_A SCHEMA_B   → prints "equal" (exit 0) or the first difference (exit 1)</pre>
 * The password comes from the environment variable POSTGRES_PASSWORD (not the command line).
 */
public final class TableDiff {
    public static final List<String> METRIC_TABLES = List.of("user_metrics", "user_metrics_env", "user_metrics_hourly",
            "user_metrics_daily", "user_model_metrics_daily", "user_scores", "project_users", "user_metrics_windows",
            "user_traces", "user_trace_scores");

    private TableDiff() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: TableDiff URL USER SCHEMA_A SCHEMA_B  (password: $POSTGRES_PASSWORD, not the command line)");
            System.exit(2);
        }
        try (Connection c = DriverManager.getConnection(args[0], args[1], System.getenv().getOrDefault("POSTGRES_PASSWORD", ""))) {
            String d = difference(c, args[2], args[3]);
            System.out.println(d == null ? "equal" : d);
            System.exit(d == null ? 0 : 1);
        }
    }

    /** null when every metric table holds the same rows in both schemas; else the first difference. */
    public static String difference(Connection c, String a, String b) throws SQLException {
        int compared = 0;
        for (String table : METRIC_TABLES) {
            if (!exists(c, a, table) || !exists(c, b, table)) {
                // A schema of an older version (e.g. a benchmark against an earlier commit): compared where both have it.
                System.err.println("TableDiff: " + table + " is not in both schemas; not compared");
                continue;
            }
            compared++;
            List<String> cols = columns(c, a, table);
            List<String> onlyOne = new ArrayList<>(cols);
            List<String> colsB = columns(c, b, table);
            cols.retainAll(colsB);
            onlyOne.addAll(colsB);
            onlyOne.removeAll(cols);
            if (!onlyOne.isEmpty()) {
                System.err.println("TableDiff: " + table + "." + String.join(", ", onlyOne) + " not in both schemas; not compared");
            }
            List<String> ra = rows(c, a, table, cols);
            List<String> rb = rows(c, b, table, cols);
            if (!ra.equals(rb)) {
                List<String> extra = new ArrayList<>(ra);
                extra.removeAll(rb);
                List<String> missing = new ArrayList<>(rb);
                missing.removeAll(ra);
                return table + ": " + extra.size() + " rows only in " + a + ", " + missing.size() + " only in " + b
                        + (extra.isEmpty() ? "" : "; e.g. " + extra.get(0));
            }
        }
        // Two schemas that share no table (a typo, a dropped schema) are not "equal".
        return compared == 0 ? "no metric table is in both " + a + " and " + b : null;
    }

    private static boolean exists(Connection c, String schema, String table) throws SQLException {
        try (var ps = c.prepareStatement("SELECT to_regclass(quote_ident(?) || '.' || quote_ident(?)) IS NOT NULL")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The table's columns in table order, but updated_at (it says when, not what). */
    private static List<String> columns(Connection c, String schema, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (var ps = c.prepareStatement("SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                + "AND table_name = ? AND column_name <> 'updated_at' ORDER BY ordinal_position")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static List<String> rows(Connection c, String schema, String table, List<String> cols) throws SQLException {
        List<String> out = new ArrayList<>();
        String select = "SELECT " + String.join(", ", cols.stream().map(col -> '"' + col + '"').toList())
                + " FROM \"" + schema + "\"." + table;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select)) {
            int n = cols.size();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    Object v = rs.getObject(i);
                    b.append(v instanceof BigDecimal d ? Decimals.text(d) : String.valueOf(v)).append('|');
                }
                out.add(b.toString());
            }
        }
        out.sort(null);
        return out;
    }
}
