package dev.usermetrics.budgets;

import java.math.BigDecimal;

/** Budget alerts for tests. */
public final class TestAlerts {
    private TestAlerts() {}

    /** Every field of a budget alert set (BudgetAlert has no serializer of its own: RecordCodecs writes it in a row). */
    public static BudgetAlert full() {
        var a = new BudgetAlert();
        a.alertId = BudgetAlert.id("p", "u", "b", new BigDecimal("0.8"), 86_400_000L, 2, 1_000L);
        a.projectId = "p";
        a.userId = "u";
        a.budgetId = "b";
        a.threshold = new BigDecimal("0.8");
        a.windowStartMillis = 86_400_000L;
        a.crossing = 2;
        a.state = BudgetAlert.RESOLVED;
        a.measure = "totalCost";
        a.window = "day";
        a.environment = "production";
        a.limit = new BigDecimal("10.000000000001");
        a.thresholdValue = new BigDecimal("8.0000000000008");
        a.valueAtCrossing = new BigDecimal("8.5");
        a.crossedAtMillis = 1_000L;
        a.valueAtResolution = new BigDecimal("7.25");
        a.resolvedAtMillis = 2_000L;
        return a;
    }
}
