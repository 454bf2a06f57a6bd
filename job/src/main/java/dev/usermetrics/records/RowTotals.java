package dev.usermetrics.records;

import java.math.BigDecimal;
import java.util.HashMap;

/**
 * The counts and sums of one row without per-key usage or cost maps: exactly the columns of
 * {@code user_metrics_windows} (one trailing window's totals, the user stage's
 * {@code window-totals} state) and of {@code user_traces} (one trace's totals, in the trace
 * stage's {@code trace} state). Small, so the state read and written for every change stays
 * small ({@link dev.usermetrics.functions.state.RowTotalsCodec}).
 */
public final class RowTotals {
    public long traces;
    public long observations;
    public long scores;
    /** Usage whose key contains "input" / "output" (case-insensitive), as the tables define them. */
    public long inputTokens;
    public long outputTokens;
    public long totalTokens;
    public BigDecimal inputCost = BigDecimal.ZERO;
    public BigDecimal outputCost = BigDecimal.ZERO;
    public BigDecimal totalCost = BigDecimal.ZERO;
    public BigDecimal calculatedTotalCost = BigDecimal.ZERO;

    public RowTotals() {}

    /** this += sign * m. */
    public void add(Metrics m, int sign) {
        traces += sign * m.traces;
        observations += sign * m.observations;
        scores += sign * m.scores;
        inputTokens += sign * Metrics.tokensContaining(m.usage, "input");
        outputTokens += sign * Metrics.tokensContaining(m.usage, "output");
        totalTokens += sign * m.totalTokens;
        inputCost = plus(inputCost, Metrics.costContaining(m.cost, "input"), sign);
        outputCost = plus(outputCost, Metrics.costContaining(m.cost, "output"), sign);
        totalCost = plus(totalCost, m.totalCost, sign);
        calculatedTotalCost = plus(calculatedTotalCost, m.calculatedTotalCost, sign);
    }

    private static BigDecimal plus(BigDecimal a, BigDecimal b, int sign) {
        if (b == null || b.signum() == 0) {
            return a;
        }
        return sign > 0 ? a.add(b) : a.subtract(b);
    }

    /** Nothing left in it (every count and sum is zero). */
    public boolean isZero() {
        return traces == 0 && observations == 0 && scores == 0 && inputTokens == 0 && outputTokens == 0 && totalTokens == 0
                && inputCost.signum() == 0 && outputCost.signum() == 0 && totalCost.signum() == 0
                && calculatedTotalCost.signum() == 0;
    }

    /**
     * The row's values as a {@link Metrics}: the counts and sums, usage and cost holding only the
     * input / output parts under those keys (which is all the window table's columns read).
     */
    public Metrics toRowMetrics() {
        Metrics m = new Metrics();
        m.traces = traces;
        m.observations = observations;
        m.scores = scores;
        m.usage = new HashMap<>(2);
        m.usage.put("input", inputTokens);
        m.usage.put("output", outputTokens);
        m.totalTokens = totalTokens;
        m.cost = new HashMap<>(2);
        m.cost.put("input", inputCost);
        m.cost.put("output", outputCost);
        m.totalCost = totalCost;
        m.calculatedTotalCost = calculatedTotalCost;
        return m;
    }
}
