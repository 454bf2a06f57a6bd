package dev.usermetrics.admin;

import dev.usermetrics.budgets.BudgetMeasure;
import dev.usermetrics.budgets.BudgetWindow;
import dev.usermetrics.sink.SchemaMigrator;
import dev.usermetrics.sql.SqlIdentifiers;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Adds, lists and removes the budgets of a sink schema, and shows their alerts
 * (local-cluster/bin/budgets). A running job reads a change within --budgets.poll-interval and
 * applies it to every user's current totals at its next checkpoint.
 *
 * <pre>BudgetAdmin URL USER SCHEMA add|list|remove|alerts [--option value ...]</pre>
 * The password comes from the environment variable POSTGRES_PASSWORD (not the process list).
 * Exit 0 when done, 1 when the database refused, 2 on bad arguments.
 */
public final class BudgetAdmin {
    static final String USAGE = """
            budgets add --id ID --project P --measure M --window W --limit N [--user U] [--environment E]
                        [--thresholds 0.5,0.8,1] [--description TEXT]
                adds budget ID, or replaces it (same id: its alerts stay, judged by the new values)
                M: totalCost | totalTokens | countTraces | countObservations
                W: 24h | 7d | 30d (trailing, hour-aligned) | day | month (UTC calendar) | all
                without --user: every user of the project; without --environment: all environments summed
                thresholds: fractions of the limit (default 1), at most 10, each in (0, 100]
            budgets list [--project P]
            budgets remove --id ID      (its firing alerts are resolved at the job's next checkpoint)
            budgets alerts [--project P] [--user U] [--state firing|resolved] [--limit N (default 20)]
            """;

    private BudgetAdmin() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.getenv().getOrDefault("POSTGRES_PASSWORD", ""), System.out, System.err));
    }

    /** Runs one command; returns the exit code (0 done, 1 the database refused, 2 bad arguments). */
    public static int run(String[] args, String password, PrintStream out, PrintStream err) throws SQLException {
        if (args.length < 4) {
            err.print("usage: BudgetAdmin URL USER SCHEMA command [options]  (password: $POSTGRES_PASSWORD)\n" + USAGE);
            return 2;
        }
        String schema = args[2];
        String command = args[3];
        try {
            Map<String, String> o = options(Arrays.copyOfRange(args, 4, args.length));
            try (Connection c = DriverManager.getConnection(args[0], args[1], password)) {
                String q = SqlIdentifiers.quote(schema);
                switch (command) {
                    case "add" -> out.println(add(c, q, o));
                    case "list" -> out.print(list(c, q, o.get("project")));
                    case "remove" -> out.println(remove(c, q, required(o, "id")));
                    case "alerts" -> out.print(alerts(c, q, o));
                    default -> throw new IllegalArgumentException("unknown command \"" + command + "\" (add, list, remove, alerts)");
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (SQLException e) {
            err.println("error: " + e.getMessage().lines().findFirst().orElse(e.toString())
                    + ("42P01".equals(e.getSQLState())
                            ? " (schema \"" + schema + "\" has no budgets table: the job migrates it to version "
                                    + SchemaMigrator.LATEST_VERSION + " when it starts)" : ""));
            return 1;
        }
    }

    /** --name value pairs; every name must be known. */
    static Map<String, String> options(String[] args) {
        List<String> known = List.of("id", "project", "user", "environment", "measure", "window", "limit", "thresholds",
                "description", "state");
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !known.contains(a.substring(2))) {
                throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            o.put(a.substring(2), args[++i]);
        }
        return o;
    }

    private static String required(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required\n" + USAGE);
        }
        return v;
    }

    /** The thresholds as the job keys them: ascending, distinct by value. */
    static List<BigDecimal> thresholds(String s) {
        TreeSet<BigDecimal> out = new TreeSet<>();
        for (String part : s.split(",")) {
            BigDecimal t;
            try {
                t = new BigDecimal(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--thresholds: \"" + part.trim() + "\" is not a number");
            }
            if (t.signum() <= 0 || t.compareTo(BigDecimal.valueOf(100)) > 0) {
                throw new IllegalArgumentException("--thresholds: " + part.trim() + " is not in (0, 100]");
            }
            out.add(t.stripTrailingZeros());
        }
        if (out.isEmpty() || out.size() > 10) {
            throw new IllegalArgumentException("--thresholds: between 1 and 10 values");
        }
        return new ArrayList<>(out);
    }

    static String add(Connection c, String q, Map<String, String> o) throws SQLException {
        String id = required(o, "id");
        BudgetMeasure measure = BudgetMeasure.ofLabel(required(o, "measure"));
        BudgetWindow window = BudgetWindow.ofLabel(required(o, "window"));
        BigDecimal limit;
        try {
            limit = new BigDecimal(required(o, "limit"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--limit must be a number; got \"" + o.get("limit") + "\"");
        }
        if (limit.signum() <= 0) {
            throw new IllegalArgumentException("--limit must be greater than 0");
        }
        List<BigDecimal> thresholds = thresholds(o.getOrDefault("thresholds", "1"));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + q + ".user_budgets (id, project_id, user_id, environment,"
                + " measure, time_window, limit_value, thresholds, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (id) DO UPDATE SET project_id = EXCLUDED.project_id, user_id = EXCLUDED.user_id,"
                + " environment = EXCLUDED.environment, measure = EXCLUDED.measure, time_window = EXCLUDED.time_window,"
                + " limit_value = EXCLUDED.limit_value, thresholds = EXCLUDED.thresholds, description = EXCLUDED.description,"
                + " updated_at = now()")) {
            ps.setString(1, id);
            ps.setString(2, required(o, "project"));
            ps.setString(3, o.get("user"));
            ps.setString(4, o.get("environment"));
            ps.setString(5, measure.label);
            ps.setString(6, window.label);
            ps.setBigDecimal(7, limit);
            ps.setArray(8, c.createArrayOf("numeric", thresholds.toArray()));
            ps.setString(9, o.get("description"));
            ps.executeUpdate();
        }
        return "budget " + id + ": " + measure.label + " over " + window.label + " <= " + limit.toPlainString()
                + ", alerts at " + thresholds.stream().map(t -> t.multiply(BigDecimal.valueOf(100)).stripTrailingZeros().toPlainString() + " %")
                        .toList() + " of it, for " + (o.get("user") == null ? "every user" : "user " + o.get("user"))
                + " of project " + o.get("project") + (o.get("environment") == null ? "" : " in " + o.get("environment"));
    }

    static String list(Connection c, String q, String project) throws SQLException {
        StringBuilder b = new StringBuilder(String.format("%-24s %-16s %-16s %-12s %-18s %-6s %14s %-16s %s%n", "id", "project", "user",
                "environment", "measure", "window", "limit", "thresholds", "firing"));
        try (PreparedStatement ps = c.prepareStatement("SELECT b.id, b.project_id, b.user_id, b.environment, b.measure, b.time_window,"
                + " b.limit_value, b.thresholds, (SELECT count(*) FROM " + q + ".user_budget_alerts a WHERE a.budget_id = b.id"
                + " AND a.state = 'firing') FROM " + q + ".user_budgets b WHERE (?::text IS NULL OR b.project_id = ?) ORDER BY b.id")) {
            ps.setString(1, project);
            ps.setString(2, project);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    b.append(String.format("%-24s %-16s %-16s %-12s %-18s %-6s %14s %-16s %d%n", rs.getString(1), rs.getString(2),
                            rs.getString(3) == null ? "(every user)" : rs.getString(3), rs.getString(4) == null ? "(all)" : rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getBigDecimal(7).stripTrailingZeros().toPlainString(),
                            rs.getString(8), rs.getLong(9)));
                }
            }
        }
        return b.toString();
    }

    static String remove(Connection c, String q, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + ".user_budgets WHERE id = ?")) {
            ps.setString(1, id);
            if (ps.executeUpdate() == 0) {
                throw new IllegalArgumentException("no budget " + id);
            }
        }
        return "budget " + id + " removed";
    }

    static String alerts(Connection c, String q, Map<String, String> o) throws SQLException {
        int limit;
        try {
            limit = Integer.parseInt(o.getOrDefault("limit", "20"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--limit must be a whole number");
        }
        String state = o.get("state");
        if (state != null && !List.of("firing", "resolved").contains(state)) {
            throw new IllegalArgumentException("--state is firing or resolved");
        }
        StringBuilder b = new StringBuilder(String.format("%-20s %-16s %-24s %-9s %-8s %-10s %14s %15s %-20s%n", "crossed at", "user",
                "budget", "threshold", "crossing", "state", "value", "threshold value", "resolved (value)"));
        try (PreparedStatement ps = c.prepareStatement("SELECT crossed_at, user_id, budget_id, threshold, crossing, state,"
                + " value_at_crossing, threshold_value, resolved_at, value_at_resolution FROM " + q + ".user_budget_alerts"
                + " WHERE (?::text IS NULL OR project_id = ?) AND (?::text IS NULL OR user_id = ?) AND (?::text IS NULL OR state = ?)"
                + " ORDER BY crossed_at DESC, alert_id LIMIT ?")) {
            ps.setString(1, o.get("project"));
            ps.setString(2, o.get("project"));
            ps.setString(3, o.get("user"));
            ps.setString(4, o.get("user"));
            ps.setString(5, state);
            ps.setString(6, state);
            ps.setInt(7, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigDecimal resolvedValue = rs.getBigDecimal(10);
                    b.append(String.format("%-20s %-16s %-24s %-9s %-8d %-10s %14s %14s %s%n",
                            rs.getTimestamp(1).toInstant().toString().substring(0, 19), rs.getString(2), rs.getString(3),
                            rs.getBigDecimal(4).multiply(BigDecimal.valueOf(100)).stripTrailingZeros().toPlainString() + " %",
                            rs.getInt(5), rs.getString(6), rs.getBigDecimal(7).stripTrailingZeros().toPlainString(),
                            rs.getBigDecimal(8).stripTrailingZeros().toPlainString(),
                            rs.getTimestamp(9) == null ? "" : rs.getTimestamp(9).toInstant().toString().substring(0, 19)
                                    + (resolvedValue == null ? " (window ended / budget changed)" : " (" + resolvedValue.stripTrailingZeros().toPlainString() + ")")));
                }
            }
        }
        return b.toString();
    }
}
