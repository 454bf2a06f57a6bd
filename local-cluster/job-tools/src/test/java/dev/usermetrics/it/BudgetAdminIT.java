package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.admin.BudgetAdmin;
import dev.usermetrics.budgets.Budget;
import dev.usermetrics.budgets.BudgetMeasure;
import dev.usermetrics.budgets.BudgetReader;
import dev.usermetrics.budgets.BudgetSnapshot;
import dev.usermetrics.budgets.BudgetWindow;
import dev.usermetrics.sink.SchemaMigrator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * local-cluster/bin/budgets' commands on a real Postgres: what add writes is what the job reads
 * (BudgetReader), a second add with the same id replaces the budget, remove deletes it, bad
 * arguments exit 2 with a reason and change nothing, alerts lists the schema's alerts.
 */
class BudgetAdminIT {
    private static final String SCHEMA = "it_budget_admin";

    private record Result(int code, String out, String err) {}

    private static Result budgets(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(Services.postgresUrl(), Services.postgresUser(), SCHEMA));
        args.addAll(List.of(command));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BudgetAdmin.run(args.toArray(String[]::new), "", new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<Budget> read() throws Exception {
        try (Connection c = Services.connect()) {
            return BudgetReader.readSnapshot(c, SCHEMA).budgets;
        }
    }

    @Test
    void addReplaceListRemoveAndAlerts() throws Exception {
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", SCHEMA);
        Result added = budgets("add", "--id", "monthly-cost", "--project", "p1", "--measure", "totalCost", "--window", "month",
                "--limit", "5.50", "--thresholds", "1,0.5,0.80,0.8");
        assertThat(added.code()).as(added.err()).isZero();
        assertThat(added.out()).contains("totalCost over month <= 5.50", "[50 %, 80 %, 100 %]", "every user of project p1");
        assertThat(budgets("add", "--id", "alice-daily", "--project", "p1", "--user", "alice", "--environment", "production",
                "--measure", "countTraces", "--window", "day", "--limit", "100").code()).isZero();

        List<Budget> budgets = read();
        assertThat(budgets).hasSize(2);
        Budget daily = budgets.get(0);
        assertThat(daily.id).isEqualTo("alice-daily");
        assertThat(daily.userId).isEqualTo("alice");
        assertThat(daily.environment).isEqualTo("production");
        assertThat(daily.measure).isEqualTo(BudgetMeasure.COUNT_TRACES);
        assertThat(daily.window).isEqualTo(BudgetWindow.DAY);
        assertThat(daily.thresholds).containsExactly(BigDecimal.ONE);
        Budget monthly = budgets.get(1);
        assertThat(monthly.userId).isNull();
        assertThat(monthly.limit).isEqualByComparingTo("5.5");
        assertThat(monthly.thresholds).containsExactly(new BigDecimal("0.5"), new BigDecimal("0.8"), BigDecimal.ONE);
        String before;
        try (Connection c = Services.connect()) {
            before = BudgetReader.readSnapshot(c, SCHEMA).fingerprint;
        }

        // Same id: replaced (the job sees new content).
        assertThat(budgets("add", "--id", "monthly-cost", "--project", "p1", "--measure", "totalCost", "--window", "month",
                "--limit", "7").code()).isZero();
        assertThat(read().get(1).limit).isEqualByComparingTo("7");
        try (Connection c = Services.connect()) {
            BudgetSnapshot after = BudgetReader.readSnapshot(c, SCHEMA);
            assertThat(after.fingerprint).isNotEqualTo(before);
            assertThat(BudgetSnapshot.changedProjects(BudgetSnapshot.of(budgets), after)).containsExactly("p1");
        }
        assertThat(budgets("list").out()).contains("alice-daily", "monthly-cost", "(every user)", "countTraces");

        // Bad arguments: exit 2, a reason, nothing written.
        for (String[] bad : new String[][] {
            {"add", "--id", "x", "--project", "p1", "--measure", "cost", "--window", "day", "--limit", "1"},
            {"add", "--id", "x", "--project", "p1", "--measure", "totalCost", "--window", "week", "--limit", "1"},
            {"add", "--id", "x", "--project", "p1", "--measure", "totalCost", "--window", "day", "--limit", "-1"},
            {"add", "--id", "x", "--project", "p1", "--measure", "totalCost", "--window", "day", "--limit", "1", "--thresholds", "0"},
            {"add", "--id", "x", "--measure", "totalCost", "--window", "day", "--limit", "1"},
            {"add", "--id", "x", "--bogus", "1"},
            {"remove", "--id", "nope"},
            {"frobnicate"},
        }) {
            Result r = budgets(bad);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(r.err()).startsWith("error: ");
        }
        assertThat(read()).hasSize(2);

        try (Connection c = Services.connect(); var s = c.createStatement()) {
            s.execute("INSERT INTO " + SCHEMA + ".user_budget_alerts (alert_id, project_id, user_id, budget_id, threshold, window_start,"
                    + " crossing, state, measure, time_window, limit_value, threshold_value, value_at_crossing, crossed_at,"
                    + " value_at_resolution, resolved_at) VALUES ('00000000-0000-0000-0000-000000000001', 'p1', 'alice',"
                    + " 'monthly-cost', 0.8, '2026-03-01T00:00:00Z', 1, 'resolved', 'totalCost', 'month', 7, 5.6, 5.75,"
                    + " '2026-03-04T10:00:00Z', 4.5, '2026-03-04T11:00:00Z')");
        }
        Result alerts = budgets("alerts", "--state", "resolved");
        assertThat(alerts.out()).contains("2026-03-04T10:00:00", "alice", "monthly-cost", "80 %", "resolved", "5.75", "5.6", "(4.5)");
        assertThat(budgets("alerts", "--state", "firing").out().lines()).hasSize(1); // the header only
        assertThat(budgets("list").out().lines().filter(l -> l.startsWith("monthly-cost")))
                .singleElement().asString().as("no firing alert").endsWith(" 0");

        assertThat(budgets("remove", "--id", "alice-daily").out()).contains("budget alice-daily removed");
        assertThat(read()).extracting(b -> b.id).containsExactly("monthly-cost");
    }
}
