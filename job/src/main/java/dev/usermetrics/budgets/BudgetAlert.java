package dev.usermetrics.budgets;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One alert record: a crossing of a budget's threshold by one user (state firing) or its end
 * (state resolved, same alert id). A row of {@code user_budget_alerts} and a record of the alerts
 * topic (a POJO: it travels in the row buffer's operator state inside a MetricsRow).
 */
public class BudgetAlert {
    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    public String alertId;
    public String projectId;
    public String userId;
    public String budgetId;
    /** The fraction of the limit (0.8). */
    public BigDecimal threshold;
    /** Calendar windows: the UTC day or month start, epoch millis; null for trailing windows and all time. */
    public Long windowStartMillis;
    /** 1, 2, … within (user, budget, threshold, window). */
    public int crossing;
    public String state;
    public String measure;
    public String window;
    /** The budget's environment (null: all environments). */
    public String environment;
    public BigDecimal limit;
    public BigDecimal thresholdValue;
    public BigDecimal valueAtCrossing;
    public long crossedAtMillis;
    /** null while firing, and when the alert closed because its window ended or its budget changed or went. */
    public BigDecimal valueAtResolution;
    public Long resolvedAtMillis;

    public BudgetAlert() {}

    /**
     * The id of a crossing: a name-based UUID of its identity and the time it was decided. The
     * time makes it unique also when a crossing number repeats (a budget re-added under its id, a
     * changed window or measure); a crossing decided again after a restore gets a new id, which is
     * right: the decision that was undone never reached the table or the topic. The resolution of
     * an alert keeps its id, so the row buffer and the topic carry one alert.
     */
    public static String id(String projectId, String userId, String budgetId, BigDecimal threshold, Long windowStartMillis,
            int crossing, long decidedAtMillis) {
        String name = projectId.length() + ":" + projectId + userId.length() + ":" + userId + budgetId.length() + ":" + budgetId
                + "|" + threshold.stripTrailingZeros().toPlainString() + "|" + windowStartMillis + "|" + crossing + "|" + decidedAtMillis;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    public BudgetAlert copy() {
        BudgetAlert a = new BudgetAlert();
        a.alertId = alertId;
        a.projectId = projectId;
        a.userId = userId;
        a.budgetId = budgetId;
        a.threshold = threshold;
        a.windowStartMillis = windowStartMillis;
        a.crossing = crossing;
        a.state = state;
        a.measure = measure;
        a.window = window;
        a.environment = environment;
        a.limit = limit;
        a.thresholdValue = thresholdValue;
        a.valueAtCrossing = valueAtCrossing;
        a.crossedAtMillis = crossedAtMillis;
        a.valueAtResolution = valueAtResolution;
        a.resolvedAtMillis = resolvedAtMillis;
        return a;
    }

    @Override
    public String toString() {
        return "alert " + alertId + "{" + projectId + "/" + userId + " " + budgetId + "@" + threshold.toPlainString() + " #" + crossing
                + (windowStartMillis != null ? " window " + windowStartMillis : "") + " " + state + " " + measure + " " + window
                + " " + valueAtCrossing.toPlainString() + " >= " + thresholdValue.toPlainString()
                + (resolvedAtMillis != null ? " resolved at " + (valueAtResolution == null ? "-" : valueAtResolution.toPlainString()) : "")
                + "}";
    }
}
