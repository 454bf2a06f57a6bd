package dev.usermetrics.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usermetrics.pricing.ModelPrice;
import dev.usermetrics.pricing.PriceBook;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceCheckTest {
    private static final Instant AT = Instant.parse("2026-11-20T00:00:00Z");
    private static final PriceBook BOOK = new PriceBook(List.of(
            new ModelPrice("g", null, "gpt-4o", ModelPrice.pattern("(?i)^(openai/)?(gpt-4o)$"), null, "TOKENS",
                    Map.of("input", new BigDecimal("0.0000025"), "output", new BigDecimal("0.00001"))),
            new ModelPrice("p", "acme", "gpt-4o", ModelPrice.pattern("^gpt-4o$"), 1_763_942_400_000_000_000L, "TOKENS",
                    Map.of("input", new BigDecimal("0.000002")))));

    private static String explain(String project, String model, Map<String, Long> usage) {
        long nanos = AT.getEpochSecond() * 1_000_000_000L;
        return PriceCheck.explain(BOOK, project, model, AT, usage, BOOK.match(project, model, nanos));
    }

    @Test
    void explainsTheMatchAndTheCost() {
        String out = explain("default", "openai/GPT-4o", PriceCheck.parseUsage("input=1000,output=333"));
        assertThat(out).contains("matched gpt-4o (id g, global, valid always)", "pattern (?i)^(openai/)?(gpt-4o)$",
                "prices per unit: {input=0.0000025, output=0.00001}",
                // 1000 × 0.0000025 + 333 × 0.00001
                "costs {input=0.0025, output=0.00333, total=0.00583}");
    }

    @Test
    void aProjectDefinitionIsOnlyUsedFromItsStartDate() {
        // 1_763_942_400 s = 2025-11-24T00:00:00Z: before AT, so acme's own price applies.
        assertThat(explain("acme", "gpt-4o", Map.of("input", 10L)))
                .contains("matched gpt-4o (id p, project acme, valid from 2025-11-24T00:00:00Z)", "costs {input=0.00002, total=0.00002}");
    }

    @Test
    void saysWhatToDoWhenNothingMatches() {
        assertThat(explain("default", "llama-3-70b", Map.of())).contains("no definition matches", "docs/tables.md");
        assertThat(explain("default", "gpt-4o", Map.of("cached", 5L))).contains("costs nothing (no usage key has a price)");
    }

    @Test
    void rejectsMalformedUsage() {
        assertThatThrownBy(() -> PriceCheck.parseUsage("input:5")).hasMessageContaining("key=units");
        assertThatThrownBy(() -> PriceCheck.parseUsage("input=five")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> PriceCheck.parseInstant("yesterday")).hasMessageContaining("ISO-8601");
    }
}
