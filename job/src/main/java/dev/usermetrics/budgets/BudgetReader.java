package dev.usermetrics.budgets;

import dev.usermetrics.sql.SqlIdentifiers;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/** Reads the budgets of a sink schema (table {@code user_budgets}, schemas/postgres/V15) into a {@link BudgetSnapshot}. */
public final class BudgetReader {
    private BudgetReader() {}

    public static BudgetSnapshot readSnapshot(Connection c, String schema) throws SQLException {
        List<Budget> budgets = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, project_id, user_id, environment, measure, time_window, limit_value, "
                        + "thresholds FROM " + SqlIdentifiers.quote(schema) + ".user_budgets ORDER BY id")) {
            while (rs.next()) {
                Budget b = new Budget();
                b.id = rs.getString("id");
                b.projectId = rs.getString("project_id");
                b.userId = rs.getString("user_id");
                b.environment = rs.getString("environment");
                b.measure = BudgetMeasure.ofLabel(rs.getString("measure"));
                b.window = BudgetWindow.ofLabel(rs.getString("time_window"));
                b.limit = rs.getBigDecimal("limit_value");
                b.thresholds = thresholds(rs.getArray("thresholds"));
                budgets.add(b);
            }
        }
        return BudgetSnapshot.of(budgets);
    }

    /** Ascending and distinct by value (0.8 and 0.80 are one threshold), as the state keys them. */
    private static List<BigDecimal> thresholds(Array a) throws SQLException {
        TreeSet<BigDecimal> sorted = new TreeSet<>();
        Arrays.stream((Object[]) a.getArray()).map(v -> ((BigDecimal) v).stripTrailingZeros()).forEach(sorted::add);
        return new ArrayList<>(sorted);
    }
}
