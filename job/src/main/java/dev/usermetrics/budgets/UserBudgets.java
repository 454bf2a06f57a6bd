package dev.usermetrics.budgets;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.RowTotals;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One user's state in the budget stage: the user's values in every window a budget can name, as
 * the rows written to the tables last had them (so a budget added later applies to current totals
 * at once), and per (budget, threshold) where its alerts stand.
 *
 * <ul>
 *   <li>{@link #totals}: "window|environment" → the row's totals: all time ("all|", from
 *       {@code user_metrics}; "all|env" from {@code user_metrics_env}) and the trailing windows
 *       ("24h|", "7d|", "30d|" and per environment, from {@code user_metrics_windows}); ""
 *       = all environments. At most 4 × (1 + environments) entries.</li>
 *   <li>{@link #days}: epoch day → environment → totals, the user's {@code user_metrics_daily}
 *       rows of the latest month with traffic (a calendar budget's window is the latest day or
 *       month; older days can no longer change it). At most 31 × environments entries.</li>
 *   <li>{@link #alerts}: "budgetId U+0000 threshold" → {@link AlertState}.</li>
 * </ul>
 * Only the four measures are kept (traces, observations, total tokens, total cost).
 */
public class UserBudgets {
    static final String ALL_ENVIRONMENTS = "";
    public final Map<String, RowTotals> totals = new HashMap<>();
    public final TreeMap<Long, Map<String, RowTotals>> days = new TreeMap<>();
    public final Map<String, AlertState> alerts = new HashMap<>();

    /** Where one (budget, threshold) stands for the user. */
    public static class AlertState {
        /** The budget's measure, window and environment the state was computed for ({@link #shape}). */
        public String shape;
        /** The calendar window the crossings count in (epoch millis); null: not a calendar window. */
        public Long windowStartMillis;
        /** Crossings so far in that window: the next one is number crossings + 1. */
        public int crossings;
        /** The firing alert, as last emitted; null when not firing. */
        public BudgetAlert open;

        public AlertState() {}
    }

    public boolean isEmpty() {
        return totals.isEmpty() && days.isEmpty() && alerts.isEmpty();
    }

    /** Whether rows of this table feed budgets. */
    public static boolean feeds(MetricsRow r) {
        return switch (r.table) {
            case USER_METRICS, USER_METRICS_ENV, USER_METRICS_DAILY -> true;
            case USER_METRICS_WINDOWS -> !"90d".equals(r.subKey);
            default -> false;
        };
    }

    /** Takes the row's value (a deleted row: nothing counted). */
    public void apply(MetricsRow r) {
        RowTotals t = r.isDelete() ? null : totalsOf(r);
        switch (r.table) {
            case USER_METRICS -> put(totals, "all|", t);
            case USER_METRICS_ENV -> put(totals, "all|" + r.environment, t);
            case USER_METRICS_WINDOWS -> put(totals, r.subKey + "|" + r.environment, t);
            case USER_METRICS_DAILY -> applyDay(BudgetWindow.epochDay(r.bucketStartMillis), r.environment, t);
            default -> throw new IllegalArgumentException("not a budget row: " + r.table);
        }
    }

    private void applyDay(long day, String environment, RowTotals t) {
        if (!days.isEmpty() && day < BudgetWindow.MONTH.startDay(days.lastKey())) {
            return; // before the latest month: no calendar window holds it any more
        }
        Map<String, RowTotals> envs = days.computeIfAbsent(day, d -> new HashMap<>());
        put(envs, environment, t);
        if (envs.isEmpty()) {
            days.remove(day);
        }
        if (!days.isEmpty()) {
            days.headMap(BudgetWindow.MONTH.startDay(days.lastKey())).clear();
        }
    }

    private static void put(Map<String, RowTotals> m, String key, RowTotals t) {
        if (t == null) {
            m.remove(key);
        } else {
            m.put(key, t);
        }
    }

    private static RowTotals totalsOf(MetricsRow r) {
        RowTotals t = new RowTotals();
        t.traces = r.metrics.traces;
        t.observations = r.metrics.observations;
        t.totalTokens = r.metrics.totalTokens;
        t.totalCost = r.metrics.totalCost;
        return t;
    }

    /** The calendar window a budget's value is in now (epoch millis); null: not calendar, or no traffic yet. */
    public Long windowStartMillis(Budget b) {
        if (!b.window.calendar() || days.isEmpty()) {
            return null;
        }
        return BudgetWindow.dayStart(b.window.startDay(days.lastKey())).toEpochMilli();
    }

    /** The user's value of the budget's measure in its window now. */
    public BigDecimal value(Budget b) {
        String env = b.environment == null ? ALL_ENVIRONMENTS : b.environment;
        return switch (b.window) {
            case ALL_TIME -> b.measure.of(totals.get("all|" + env));
            case LAST_24_HOURS, LAST_7_DAYS, LAST_30_DAYS -> b.measure.of(totals.get(b.window.label + "|" + env));
            case DAY, MONTH -> {
                BigDecimal sum = BigDecimal.ZERO;
                if (!days.isEmpty()) {
                    long from = b.window.startDay(days.lastKey());
                    for (Map<String, RowTotals> envs : days.tailMap(from).values()) {
                        for (Map.Entry<String, RowTotals> e : envs.entrySet()) {
                            if (b.environment == null || b.environment.equals(e.getKey())) {
                                sum = sum.add(b.measure.of(e.getValue()));
                            }
                        }
                    }
                }
                yield sum;
            }
        };
    }
}
