package dev.usermetrics.records;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * Additive metrics of one user, either cumulative or for one time bucket. Also used as the
 * signed delta that one trace contributes. Exact: tokens are longs, costs BigDecimal.
 */
public class Metrics {
    public long traces;
    public long observations;
    /** usageDetails summed per key. */
    public Map<String, Long> usage = new HashMap<>();
    /** Per observation: its "total" usage key if present, else the sum of its keys; summed. */
    public long totalTokens;
    /** costDetails summed per key. */
    public Map<String, BigDecimal> cost = new HashMap<>();
    /** Per observation: its "total" cost key if present, else the sum of its keys; summed. */
    public BigDecimal totalCost = BigDecimal.ZERO;

    public Metrics() {}

    /** this += sign * other. */
    public void add(Metrics other, int sign) {
        traces += sign * other.traces;
        observations += sign * other.observations;
        totalTokens = Math.addExact(totalTokens, sign * other.totalTokens);
        totalCost = sign > 0 ? totalCost.add(other.totalCost) : totalCost.subtract(other.totalCost);
        for (Map.Entry<String, Long> e : other.usage.entrySet()) {
            long v = Math.addExact(usage.getOrDefault(e.getKey(), 0L), sign * e.getValue());
            if (v == 0) {
                usage.remove(e.getKey());
            } else {
                usage.put(e.getKey(), v);
            }
        }
        for (Map.Entry<String, BigDecimal> e : other.cost.entrySet()) {
            BigDecimal old = cost.getOrDefault(e.getKey(), BigDecimal.ZERO);
            BigDecimal v = sign > 0 ? old.add(e.getValue()) : old.subtract(e.getValue());
            if (v.signum() == 0) {
                cost.remove(e.getKey());
            } else {
                cost.put(e.getKey(), v);
            }
        }
    }

    /** True when nothing is counted: no traces, no observations (then every sum is zero too). */
    public boolean isEmpty() {
        return traces == 0 && observations == 0;
    }

    /** True when adding this changes nothing. */
    public boolean isZero() {
        return traces == 0
                && observations == 0
                && totalTokens == 0
                && totalCost.signum() == 0
                && usage.isEmpty()
                && cost.isEmpty();
    }

    public static Metrics negate(Metrics m) {
        Metrics r = new Metrics();
        r.add(m, -1);
        return r;
    }

    @Override
    public String toString() {
        return "Metrics{traces=" + traces + ", observations=" + observations + ", usage=" + usage
                + ", totalTokens=" + totalTokens + ", cost=" + cost + ", totalCost=" + totalCost + "}";
    }
}
