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
 * Compares the metric tables of two schemas row by row (all columns but updated_at; decimals by
 * value): a run under faults or bad input against a clean reference run over the same events.
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
        for (String table : METRIC_TABLES) {
            if (!exists(c, a, table) || !exists(c, b, table)) {
                // A schema of an older version (e.g. a benchmark against an earlier commit): compared where both have it.
                System.err.println("TableDiff: " + table + " is not in both schemas; not compared");
                continue;
            }
            List<String> ra = rows(c, a, table);
            List<String> rb = rows(c, b, table);
            if (!ra.equals(rb)) {
                List<String> extra = new ArrayList<>(ra);
                extra.removeAll(rb);
                List<String> missing = new ArrayList<>(rb);
                missing.removeAll(ra);
                return table + ": " + extra.size() + " rows only in " + a + ", " + missing.size() + " only in " + b
                        + (extra.isEmpty() ? "" : "; e.g. " + extra.get(0));
            }
        }
        return null;
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

    private static List<String> rows(Connection c, String schema, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\"." + table)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    if (!rs.getMetaData().getColumnName(i).equals("updated_at")) {
                        Object v = rs.getObject(i);
                        b.append(v instanceof BigDecimal d ? Decimals.text(d) : String.valueOf(v)).append('|');
                    }
                }
                out.add(b.toString());
            }
        }
        out.sort(null);
        return out;
    }
}
