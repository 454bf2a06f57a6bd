package dev.usermetrics.functions;

import dev.usermetrics.records.RowTotals;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A user's trailing-window totals, over all environments ("") and per environment, with their
 * bookkeeping, in one state value ({@code window-totals}): a contribution changes its
 * environment's windows and the all-environments ones together, so one read and one write serve
 * both (and the bookkeeping of a new hour).
 */
public final class UserWindows {
    /** Environment ("" = all) → one {@link RowTotals} per window (TrailingWindows.Window order; null = empty). */
    public final Map<String, RowTotals[]> byEnvironment = new LinkedHashMap<>();
    /** The latest leave time the user has processed (MIN_VALUE: none). */
    public long rolledTo = Long.MIN_VALUE;
    /** Number of the user's window-hours entries (the hours with a pending leave timer). */
    public int hours;

    public UserWindows() {}
}
