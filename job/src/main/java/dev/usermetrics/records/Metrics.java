package dev.usermetrics.records;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;

/**
 * Additive metrics of one user, either cumulative or for one time bucket. Also used as the
 * signed delta that one trace contributes. Exact: tokens are longs, costs BigDecimal.
 */
public class Metrics {
    public long traces;
    public long observations;
    /** Scores (user feedback) of the user's traces. */
    public long scores;
    /** usageDetails summed per key. */
    public Map<String, Long> usage = new HashMap<>();
    /**
     * How many observations carry each usage key. A key stays in {@link #usage} while this is
     * positive, also when its sum is 0 (e.g. {"input_cached_tokens": 0}), and goes away exactly
     * when its last observation is retracted.
     */
    public Map<String, Long> usageKeyCount = new HashMap<>();
    /** Per observation: its "total" usage key if present, else the sum of its keys; summed. */
    public long totalTokens;
    /** costDetails summed per key. */
    public Map<String, BigDecimal> cost = new HashMap<>();
    /** How many observations carry each cost key (see usageKeyCount). */
    public Map<String, Long> costKeyCount = new HashMap<>();
    /** Per observation: its "total" cost key if present, else the sum of its keys; summed. */
    public BigDecimal totalCost = BigDecimal.ZERO;
    /**
     * The part of {@link #totalCost} computed from model prices (observations without provided
     * cost); the rest was provided by the events. Zero in state restored from before V4.
     */
    public BigDecimal calculatedTotalCost = BigDecimal.ZERO;

    public Metrics() {}

    /** this += sign * other. */
    public void add(Metrics other, int sign) {
        traces += sign * other.traces;
        observations += sign * other.observations;
        scores += sign * other.scores;
        totalTokens = Counts.plus(totalTokens, sign * other.totalTokens);
        totalCost = sign > 0 ? totalCost.add(other.totalCost) : totalCost.subtract(other.totalCost);
        calculatedTotalCost = sign > 0 ? calculatedTotalCost.add(other.calculatedTotalCost)
                : calculatedTotalCost.subtract(other.calculatedTotalCost);
        merge(usage, usageKeyCount, other.usage, other.usageKeyCount, sign, 0L,
                Counts::plus, (v, sg) -> sg * v, v -> v == 0);
        merge(cost, costKeyCount, other.cost, other.costKeyCount, sign, BigDecimal.ZERO,
                BigDecimal::add, (v, sg) -> sg > 0 ? v : v.negate(), v -> v.signum() == 0);
    }

    /**
     * sums += sign * other sums, counts += sign * other counts, per key. A key leaves a map only
     * when both its count and its sum are 0: in a total that means no observation carries it any
     * more; in a delta (retract old, add new) a key can have count 0 and a non-zero sum.
     */
    private static <V> void merge(Map<String, V> sums, Map<String, Long> counts, Map<String, V> otherSums,
            Map<String, Long> otherCounts, int sign, V zero, BinaryOperator<V> plus,
            BiFunction<V, Integer, V> signed, Predicate<V> isZero) {
        for (Map.Entry<String, V> e : otherSums.entrySet()) {
            mergeKey(sums, counts, e.getKey(), e.getValue(), otherCounts.getOrDefault(e.getKey(), 0L), sign, zero, plus, signed, isZero);
        }
        for (Map.Entry<String, Long> e : otherCounts.entrySet()) {
            if (!otherSums.containsKey(e.getKey())) {
                mergeKey(sums, counts, e.getKey(), null, e.getValue(), sign, zero, plus, signed, isZero);
            }
        }
    }

    private static <V> void mergeKey(Map<String, V> sums, Map<String, Long> counts, String k, V d, long dCount,
            int sign, V zero, BinaryOperator<V> plus, BiFunction<V, Integer, V> signed, Predicate<V> isZero) {
        V sum = d == null ? sums.getOrDefault(k, zero) : plus.apply(sums.getOrDefault(k, zero), signed.apply(d, sign));
        long n = Counts.add(counts, k, sign * dCount);
        if (n == 0 && isZero.test(sum)) {
            sums.remove(k);
        } else {
            sums.put(k, sum);
        }
    }

    /**
     * True when the row counts nothing (no trace, observation or score) and is deleted
     * (MetricsRow.isDelete); the same rule decides whether a user counts in project_users.
     */
    public boolean isEmpty() {
        return traces == 0 && observations == 0 && scores == 0;
    }

    /** True when adding this changes nothing. */
    public boolean isZero() {
        return traces == 0
                && observations == 0
                && scores == 0
                && totalTokens == 0
                && totalCost.signum() == 0
                && calculatedTotalCost.signum() == 0
                && usage.isEmpty()
                && cost.isEmpty()
                && usageKeyCount.isEmpty()
                && costKeyCount.isEmpty();
    }

    /** Langfuse's rule: input tokens = keys containing "input" (case-insensitive), same for output. */
    public static long tokensContaining(Map<String, Long> usage, String part) {
        long sum = 0;
        for (Map.Entry<String, Long> e : usage.entrySet()) {
            if (containsIgnoringCase(e.getKey(), part)) {
                sum = Counts.plus(sum, e.getValue());
            }
        }
        return sum;
    }

    /** The same rule for cost keys. */
    public static BigDecimal costContaining(Map<String, BigDecimal> cost, String part) {
        BigDecimal sum = BigDecimal.ZERO;
        for (Map.Entry<String, BigDecimal> e : cost.entrySet()) {
            if (containsIgnoringCase(e.getKey(), part)) {
                sum = sum.add(e.getValue());
            }
        }
        return sum;
    }

    /**
     * key.toLowerCase(Locale.ROOT).contains(part) for a lower-case ASCII part, without the
     * lower-cased copy when the key is ASCII (the writer asks this four times per row). Non-ASCII
     * keys take the original path: lower-casing can change their length (e.g. U+0130).
     */
    static boolean containsIgnoringCase(String key, String part) {
        int n = key.length();
        int m = part.length();
        for (int i = 0; i < n; i++) {
            if (key.charAt(i) >= 0x80) {
                return key.toLowerCase(Locale.ROOT).contains(part);
            }
        }
        outer:
        for (int i = 0; i + m <= n; i++) {
            for (int j = 0; j < m; j++) {
                char c = key.charAt(i + j);
                if (c >= 'A' && c <= 'Z') {
                    c += 'a' - 'A';
                }
                if (c != part.charAt(j)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "Metrics{traces=" + traces + ", observations=" + observations + ", scores=" + scores + ", usage=" + usage
                + ", totalTokens=" + totalTokens + ", cost=" + cost + ", totalCost=" + totalCost
                + ", calculatedTotalCost=" + calculatedTotalCost + "}";
    }
}
