package dev.usermetrics.pricing;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * Cost from usage and a price definition, exactly: Σ usage[key] × price[key] over the usage keys
 * that have a price; the {@code total} price applies only when no other key of the usage has a
 * price (to usage["total"], else the sum of the usage keys), so a definition with
 * both never counts the tokens twice.
 */
public final class CostCalculator {
    public static final String TOTAL = "total";

    private CostCalculator() {}

    /**
     * Cost per usage key plus {@code total} (their sum); empty when no usage key has a price.
     * Prices and usage are exact, so the result is too (no rounding).
     */
    public static Map<String, BigDecimal> costDetails(Map<String, Long> usage, ModelPrice price) {
        Map<String, BigDecimal> cost = new HashMap<>();
        if (usage == null || usage.isEmpty()) {
            return cost;
        }
        BigDecimal sum = BigDecimal.ZERO;
        for (Map.Entry<String, Long> u : usage.entrySet()) {
            BigDecimal unitPrice = price.prices().get(u.getKey());
            if (unitPrice != null && !u.getKey().equals(TOTAL)) {
                BigDecimal c = unitPrice.multiply(BigDecimal.valueOf(u.getValue()));
                cost.put(u.getKey(), c);
                sum = sum.add(c);
            }
        }
        if (cost.isEmpty()) {
            BigDecimal totalPrice = price.prices().get(TOTAL);
            if (totalPrice == null) {
                return cost;
            }
            // The same total the token metrics use: usage["total"], else the sum of the keys.
            Long totalUsage = usage.get(TOTAL);
            long units = totalUsage != null ? totalUsage : usage.values().stream().mapToLong(Long::longValue).sum();
            sum = totalPrice.multiply(BigDecimal.valueOf(units));
        }
        cost.put(TOTAL, sum);
        return cost;
    }
}
