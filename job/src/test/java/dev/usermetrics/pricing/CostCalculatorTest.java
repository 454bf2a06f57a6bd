package dev.usermetrics.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cost = Σ usage × price over priced keys; the total price only when no other key is priced. Exact. */
class CostCalculatorTest {

    private static ModelPrice prices(Map<String, String> prices) {
        Map<String, BigDecimal> p = new java.util.HashMap<>();
        prices.forEach((k, v) -> p.put(k, new BigDecimal(v)));
        return new ModelPrice("m", null, "m", ModelPrice.pattern("m"), null, "TOKENS", p);
    }

    @Test
    void sumsPricedKeysExactly() {
        // gpt-4o list prices: $2.50 / 1M input, $1.25 / 1M cached input, $10.00 / 1M output tokens.
        ModelPrice gpt4o = prices(Map.of("input", "0.0000025", "input_cached_tokens", "0.00000125",
                "output", "0.00001", "total", "0.000005"));
        Map<String, BigDecimal> cost = CostCalculator.costDetails(
                Map.of("input", 1000L, "input_cached_tokens", 200L, "output", 333L, "total", 1533L), gpt4o);
        assertThat(cost).containsOnlyKeys("input", "input_cached_tokens", "output", "total");
        assertThat(cost.get("input")).isEqualByComparingTo("0.0025");
        assertThat(cost.get("input_cached_tokens")).isEqualByComparingTo("0.00025");
        assertThat(cost.get("output")).isEqualByComparingTo("0.00333");
        // 0.0025 + 0.00025 + 0.00333, not also the total price × 1533.
        assertThat(cost.get("total")).isEqualByComparingTo("0.00608");
    }

    @Test
    void totalPriceAppliesOnlyWhenNoOtherKeyIsPriced() {
        ModelPrice totalOnly = prices(Map.of("total", "0.000002"));
        assertThat(CostCalculator.costDetails(Map.of("input", 10L, "output", 5L, "total", 15L), totalOnly))
                .containsOnlyKeys("total").hasEntrySatisfying("total", c -> assertThat(c).isEqualByComparingTo("0.00003"));
        // Without a total key the total is the sum of the keys, as for the token metrics.
        assertThat(CostCalculator.costDetails(Map.of("input", 10L, "output", 5L), totalOnly).get("total"))
                .isEqualByComparingTo("0.00003");
    }

    @Test
    void unpricedUsageCostsNothing() {
        ModelPrice inputOnly = prices(Map.of("input", "1"));
        assertThat(CostCalculator.costDetails(Map.of("output", 5L), inputOnly)).isEmpty();
        assertThat(CostCalculator.costDetails(Map.of(), inputOnly)).isEmpty();
        assertThat(CostCalculator.costDetails(null, inputOnly)).isEmpty();
    }

    @Test
    void manySmallCostsAddUpWithoutRounding() {
        ModelPrice p = prices(Map.of("input", "0.0000001"));
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < 100_000; i++) {
            sum = sum.add(CostCalculator.costDetails(Map.of("input", 3L), p).get("total"));
        }
        assertThat(sum).isEqualByComparingTo("0.03");
    }
}
