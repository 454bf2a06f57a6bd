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
 *   <li>{@link #calendarDay}: the user's current UTC day for calendar budgets ({@link #advanceCalendar}):
 *       it only moves forward.</li>
 *   <li>{@link #days}: epoch day → environment → totals, the user's {@code user_metrics_daily}
 *       rows of the current day's month (older days can no longer change a calendar window) up to
 *       the day after the wall clock's. At most 32 × environments entries.</li>
 *   <li>{@link #alerts}: "budgetId U+0000 threshold" → {@link AlertState}.</li>
 * </ul>
 * Only the four measures are kept (traces, observations, total tokens, total cost).
 */
public class UserBudgets {
    static final String ALL_ENVIRONMENTS = "";
    /** The clock's day when the job has no clock yet (no watermark since its start): calendar windows wait. */
    public static final long NO_CLOCK = Long.MIN_VALUE;
    public long calendarDay = NO_CLOCK;
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

    /**
     * Moves the user's calendar day forward to the job's data clock's day or to the user's latest
     * day with traffic, whichever is later (the data clock lags while a partition is idle; a
     * user's own traffic never waits for it), and returns it. Traffic dated after the day after
     * the wall clock's is not kept ({@link #apply}), so it cannot move the day. NO_CLOCK: neither
     * is known yet.
     */
    public long advanceCalendar(long clockDay) {
        if (clockDay != NO_CLOCK) {
            calendarDay = Math.max(calendarDay, clockDay);
        }
        if (!days.isEmpty()) {
            calendarDay = Math.max(calendarDay, days.lastKey());
        }
        return calendarDay;
    }

    /** Whether rows of this table feed budgets. */
    public static boolean feeds(MetricsRow r) {
        return switch (r.table) {
            case USER_METRICS, USER_METRICS_ENV, USER_METRICS_DAILY -> true;
            case USER_METRICS_WINDOWS -> !"90d".equals(r.subKey);
            default -> false;
        };
    }

    /**
     * Takes the row's value (a deleted row: nothing counted). wallDay: the wall clock's epoch day;
     * a day after the next one is not kept (no calendar window can reach it yet).
     */
    public void apply(MetricsRow r, long wallDay) {
        RowTotals t = r.isDelete() ? null : totalsOf(r);
        switch (r.table) {
            case USER_METRICS -> put(totals, "all|", t);
            case USER_METRICS_ENV -> put(totals, "all|" + r.environment, t);
            case USER_METRICS_WINDOWS -> put(totals, r.subKey + "|" + r.environment, t);
            case USER_METRICS_DAILY -> applyDay(BudgetWindow.epochDay(r.bucketStartMillis), r.environment, t, wallDay);
            default -> throw new IllegalArgumentException("not a budget row: " + r.table);
        }
    }

    private void applyDay(long day, String environment, RowTotals t, long wallDay) {
        if ((calendarDay != NO_CLOCK && day < BudgetWindow.MONTH.startDay(calendarDay)) || day > wallDay + 1) {
            return; // before the current month (no calendar window holds it any more), or dated ahead of the wall clock
        }
        Map<String, RowTotals> envs = days.computeIfAbsent(day, d -> new HashMap<>());
        put(envs, environment, t);
        if (envs.isEmpty()) {
            days.remove(day);
        }
    }

    /** Drops the days no calendar window can hold any more (before the current day's month). */
    public void prune() {
        if (calendarDay != NO_CLOCK) {
            days.headMap(BudgetWindow.MONTH.startDay(calendarDay)).clear();
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

    /**
     * When the earliest calendar window with a firing alert ends (epoch millis; null: none): the
     * stage looks at the user again then, so a quiet user's alert closes when its window rolls over.
     */
    public Long nextRolloverMillis() {
        Long next = null;
        for (AlertState s : alerts.values()) {
            if (s.open != null && s.windowStartMillis != null) {
                BudgetWindow w = BudgetWindow.ofLabel(s.open.window);
                long startDay = BudgetWindow.epochDay(s.windowStartMillis);
                long endDay = w == BudgetWindow.DAY ? startDay + 1
                        : java.time.LocalDate.ofEpochDay(startDay).plusMonths(1).toEpochDay();
                long end = BudgetWindow.dayStart(endDay).toEpochMilli();
                next = next == null ? end : Math.min(next, end);
            }
        }
        return next;
    }

    /** The calendar window of that day (epoch millis); null: not a calendar window. */
    public static Long windowStartMillis(Budget b, long clockDay) {
        return b.window.calendar() ? BudgetWindow.dayStart(b.window.startDay(clockDay)).toEpochMilli() : null;
    }

    /** The user's value of the budget's measure in its window at that day (calendar windows: not NO_CLOCK). */
    public BigDecimal value(Budget b, long clockDay) {
        String env = b.environment == null ? ALL_ENVIRONMENTS : b.environment;
        return switch (b.window) {
            case ALL_TIME -> b.measure.of(totals.get("all|" + env));
            case LAST_24_HOURS, LAST_7_DAYS, LAST_30_DAYS -> b.measure.of(totals.get(b.window.label + "|" + env));
            case DAY, MONTH -> {
                BigDecimal sum = BigDecimal.ZERO;
                for (Map<String, RowTotals> envs : days.subMap(b.window.startDay(clockDay), true, clockDay, true).values()) {
                    for (Map.Entry<String, RowTotals> e : envs.entrySet()) {
                        if (b.environment == null || b.environment.equals(e.getKey())) {
                            sum = sum.add(b.measure.of(e.getValue()));
                        }
                    }
                }
                yield sum;
            }
        };
    }
}
