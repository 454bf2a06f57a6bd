package dev.usermetrics.budgets;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The window a budget's measure is summed over; the names are the table's {@code time_window}
 * values. The trailing ones are the user stage's trailing windows (hour-aligned, relative to the
 * job's data clock: {@code user_metrics_windows}); a calendar day or month is the UTC day or
 * month of the same clock (the user's {@code user_metrics_daily} rows in it); all time is
 * {@code user_metrics} / {@code user_metrics_env}.
 */
public enum BudgetWindow {
    LAST_24_HOURS("24h"), LAST_7_DAYS("7d"), LAST_30_DAYS("30d"), DAY("day"), MONTH("month"), ALL_TIME("all");

    public final String label;

    BudgetWindow(String label) {
        this.label = label;
    }

    /** A calendar window: it rolls over (a new day or month starts afresh). */
    public boolean calendar() {
        return this == DAY || this == MONTH;
    }

    /** The epoch day the calendar window that holds {@code epochDay} starts on. */
    public long startDay(long epochDay) {
        return switch (this) {
            case DAY -> epochDay;
            case MONTH -> LocalDate.ofEpochDay(epochDay).withDayOfMonth(1).toEpochDay();
            default -> throw new IllegalStateException(this + " is not a calendar window");
        };
    }

    public static long epochDay(long millis) {
        return Math.floorDiv(millis, 86_400_000L);
    }

    public static Instant dayStart(long epochDay) {
        return LocalDate.ofEpochDay(epochDay).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public static BudgetWindow ofLabel(String label) {
        for (BudgetWindow w : values()) {
            if (w.label.equals(label)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown time window " + label);
    }
}
