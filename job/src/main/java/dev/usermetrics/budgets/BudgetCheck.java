package dev.usermetrics.budgets;

import dev.usermetrics.budgets.UserBudgets.AlertState;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The alert rules, for one user at one moment (the budget stage calls it with the values of a
 * checkpoint: exactly what the tables hold once that checkpoint completes).
 *
 * <p>Per budget and threshold: the value crosses upwards when it is at or above limit × threshold
 * and the alert is not firing — a new alert (crossing number + 1) fires; it is resolved (the same
 * alert, state resolved, the value then) when a later value is below again (a late user change, a
 * usage update, a price change, buckets leaving a trailing window). A calendar window that rolls
 * over (the user's calendar day, {@link UserBudgets#advanceCalendar}, reaches a new UTC day or
 * month) starts afresh: a firing alert of the old window is closed (resolved, no value),
 * crossings count from 1 again. While the user has no calendar day yet (no clock, no daily
 * traffic), calendar budgets are not judged. A budget whose measure,
 * window or environment changed, or that was removed, closes its firing alerts the same way; a
 * changed limit or threshold list keeps a firing alert while the value is still over.
 */
public final class BudgetCheck {
    private BudgetCheck() {}

    /**
     * Applies the rules for {@code userId}'s budgets ({@code budgets}: its project's, in id order)
     * to its state, emitting every alert record that changed; the state's alert entries are
     * updated (entries of budgets that no longer apply go).
     */
    public static void evaluate(String projectId, String userId, List<Budget> budgets, UserBudgets user, long nowMillis,
            Consumer<BudgetAlert> out) {
        long clockDay = user.calendarDay;
        Set<String> live = new HashSet<>();
        for (Budget b : budgets) {
            if (!b.appliesTo(userId)) {
                continue;
            }
            if (b.window.calendar() && clockDay == UserBudgets.NO_CLOCK) {
                b.thresholds.forEach(t -> live.add(key(b.id, t))); // not judged yet: its alerts stay as they are
                continue;
            }
            BigDecimal value = user.value(b, clockDay);
            Long windowStart = UserBudgets.windowStartMillis(b, clockDay);
            String shape = shape(b);
            for (BigDecimal threshold : b.thresholds) {
                String key = key(b.id, threshold);
                live.add(key);
                AlertState s = user.alerts.get(key);
                if (s != null && (!s.shape.equals(shape) || !Objects.equals(s.windowStartMillis, windowStart))) {
                    close(s, nowMillis, out);
                    s = null;
                }
                if (s == null) {
                    s = new AlertState();
                    s.shape = shape;
                    s.windowStartMillis = windowStart;
                }
                BigDecimal thresholdValue = b.thresholdValue(threshold);
                boolean over = value.compareTo(thresholdValue) >= 0;
                if (over && s.open == null) {
                    s.crossings++;
                    s.open = firing(projectId, userId, b, threshold, windowStart, s.crossings, thresholdValue, value, nowMillis);
                    out.accept(s.open);
                } else if (!over && s.open != null) {
                    BudgetAlert resolved = s.open.copy();
                    resolved.state = BudgetAlert.RESOLVED;
                    resolved.valueAtResolution = value;
                    resolved.resolvedAtMillis = nowMillis;
                    out.accept(resolved);
                    s.open = null;
                }
                if (s.crossings > 0) {
                    user.alerts.put(key, s);
                } else {
                    user.alerts.remove(key); // nothing to number yet (or a stale window's entry)
                }
            }
        }
        for (Iterator<Map.Entry<String, AlertState>> it = user.alerts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, AlertState> e = it.next();
            if (!live.contains(e.getKey())) {
                close(e.getValue(), nowMillis, out);
                it.remove();
            }
        }
    }

    /** A firing alert ends without a value: its window ended, or its budget changed or went. */
    private static void close(AlertState s, long nowMillis, Consumer<BudgetAlert> out) {
        if (s.open != null) {
            BudgetAlert closed = s.open.copy();
            closed.state = BudgetAlert.RESOLVED;
            closed.resolvedAtMillis = nowMillis;
            out.accept(closed);
            s.open = null;
        }
    }

    private static BudgetAlert firing(String projectId, String userId, Budget b, BigDecimal threshold, Long windowStart,
            int crossing, BigDecimal thresholdValue, BigDecimal value, long nowMillis) {
        BudgetAlert a = new BudgetAlert();
        a.alertId = BudgetAlert.id(projectId, userId, b.id, threshold, windowStart, crossing, nowMillis);
        a.projectId = projectId;
        a.userId = userId;
        a.budgetId = b.id;
        a.threshold = threshold;
        a.windowStartMillis = windowStart;
        a.crossing = crossing;
        a.state = BudgetAlert.FIRING;
        a.measure = b.measure.label;
        a.window = b.window.label;
        a.environment = b.environment;
        a.limit = b.limit;
        a.thresholdValue = thresholdValue;
        a.valueAtCrossing = value;
        a.crossedAtMillis = nowMillis;
        return a;
    }

    /** The state key of a (budget, threshold); U+0000 never occurs in a budget id (Postgres text cannot hold it). */
    static String key(String budgetId, BigDecimal threshold) {
        return budgetId + '\u0000' + threshold.stripTrailingZeros().toPlainString();
    }

    /** What must stay the same for a firing alert to stay the same alert. */
    private static String shape(Budget b) {
        return b.measure.label + "|" + b.window.label + "|" + (b.environment == null ? "\u0000" : b.environment);
    }
}
