package dev.usermetrics.budgets;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** One row of {@code user_budgets} (a POJO: it travels in the budget snapshot's broadcast state). */
public class Budget {
    public String id;
    public String projectId;
    /** null: every user of the project. */
    public String userId;
    /** null: all environments summed. */
    public String environment;
    public BudgetMeasure measure;
    public BudgetWindow window;
    public BigDecimal limit;
    /** Fractions of the limit, ascending, distinct by value. */
    public List<BigDecimal> thresholds = new ArrayList<>();

    public Budget() {}

    public boolean appliesTo(String userId) {
        return this.userId == null || this.userId.equals(userId);
    }

    /** limit × threshold: the value at or above which the threshold is crossed. */
    public BigDecimal thresholdValue(BigDecimal threshold) {
        return limit.multiply(threshold);
    }

    @Override
    public String toString() {
        return id + "{" + projectId + (userId != null ? "/" + userId : "/*") + (environment != null ? " env=" + environment : "")
                + " " + measure.label + " " + window.label + " <= " + limit.toPlainString() + " at " + thresholds + "}";
    }
}
