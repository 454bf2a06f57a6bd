package dev.usermetrics.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {

    private static Metrics observation(Map<String, Long> usage, Map<String, BigDecimal> cost) {
        Metrics m = new Metrics();
        m.observations = 1;
        m.usage.putAll(usage);
        usage.keySet().forEach(k -> m.usageKeyCount.put(k, 1L));
        m.cost.putAll(cost);
        cost.keySet().forEach(k -> m.costKeyCount.put(k, 1L));
        return m;
    }

    @Test
    void aKeyWithZeroSumStaysWhileAnObservationCarriesIt() {
        Metrics total = new Metrics();
        Metrics a = observation(Map.of("input", 5L, "input_cached_tokens", 0L), Map.of("output", BigDecimal.ZERO));
        Metrics b = observation(Map.of("input", 7L), Map.of());
        total.add(a, +1);
        total.add(b, +1);
        assertThat(total.usage).isEqualTo(Map.of("input", 12L, "input_cached_tokens", 0L));
        assertThat(total.cost).containsOnlyKeys("output");

        total.add(a, -1);
        assertThat(total.usage).isEqualTo(Map.of("input", 7L));
        assertThat(total.cost).isEmpty();
        total.add(b, -1);
        assertThat(total.isZero()).isTrue();
    }

    @Test
    void aDeltaKeepsAChangedValueWhoseKeyCountNetsToZero() {
        // Retract an observation's old usage and add its new usage: the count of "input" nets to
        // 0 but the sum changes by +5, which must survive.
        Metrics delta = new Metrics();
        delta.add(observation(Map.of("input", 10L), Map.of()), -1);
        delta.add(observation(Map.of("input", 15L), Map.of()), +1);
        assertThat(delta.usage).isEqualTo(Map.of("input", 5L));
        assertThat(delta.usageKeyCount).isEmpty();
        assertThat(delta.isZero()).isFalse();
    }

    @Test
    void tokenSumsSaturateInsteadOfThrowing() {
        assertThat(Counts.plus(Long.MAX_VALUE - 1, 5)).isEqualTo(Long.MAX_VALUE);
        assertThat(Counts.plus(Long.MIN_VALUE + 1, -5)).isEqualTo(Long.MIN_VALUE);
        assertThat(Counts.plus(1L << 53, 1L << 53)).isEqualTo(1L << 54);
    }

    @Test
    void theInputAndOutputRuleMatchesLowerCasingTheKey() {
        // The allocation-free test must agree with key.toLowerCase(ROOT).contains(part) for every
        // key, ASCII or not (U+0130 lower-cases to two chars; U+0131 upper-cases to 'I').
        String[] keys = {"input", "INPUT", "Input_Cached", "cache_read_input_tokens", "inpu", "output", "OUTput",
                "reasoning_output_tokens", "", "in put", "\u0130nput", "\u0131nput", "input\u00e9", "\u00c9input", "KINPUT",
                "inPutinput", "outputs", "xoutpu"};
        for (String k : keys) {
            for (String part : new String[] {"input", "output"}) {
                assertThat(Metrics.containsIgnoringCase(k, part)).as(k + " / " + part)
                        .isEqualTo(k.toLowerCase(java.util.Locale.ROOT).contains(part));
            }
        }
    }
}
