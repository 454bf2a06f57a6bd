package dev.usermetrics.budgets;

import dev.usermetrics.records.RowTotals;
import java.math.BigDecimal;

/** What a budget limits; the names are the table's {@code measure} values (Langfuse's field names). */
public enum BudgetMeasure {
    TOTAL_COST("totalCost"), TOTAL_TOKENS("totalTokens"), COUNT_TRACES("countTraces"), COUNT_OBSERVATIONS("countObservations");

    public final String label;

    BudgetMeasure(String label) {
        this.label = label;
    }

    /** The measure's value in totals (null: nothing counted yet, 0). */
    public BigDecimal of(RowTotals t) {
        if (t == null) {
            return BigDecimal.ZERO;
        }
        return switch (this) {
            case TOTAL_COST -> t.totalCost;
            case TOTAL_TOKENS -> BigDecimal.valueOf(t.totalTokens);
            case COUNT_TRACES -> BigDecimal.valueOf(t.traces);
            case COUNT_OBSERVATIONS -> BigDecimal.valueOf(t.observations);
        };
    }

    public static BudgetMeasure ofLabel(String label) {
        for (BudgetMeasure m : values()) {
            if (m.label.equals(label)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown measure " + label);
    }
}
