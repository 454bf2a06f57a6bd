package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.pricing.CostCalculator;
import dev.usermetrics.pricing.ModelPrice;
import dev.usermetrics.pricing.PriceBook;
import dev.usermetrics.pricing.PriceBookReader;
import dev.usermetrics.sink.SchemaMigrator;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The model price tables (V3) on a real Postgres: the seed file loads (twice: idempotent), the
 * definitions read back into a PriceBook that matches the way Langfuse does, and the seeded prices
 * give the exact list-price cost. Expected costs are computed by hand from the published prices.
 */
class ModelPricesIT {
    private static final Path SEED = Path.of("../schemas/postgres/seed/model_prices.sql");

    private static long nanos(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static PriceBook load(String schema) throws Exception {
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        String seed = Files.readString(SEED);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + schema);
            s.execute(seed);
            s.execute(seed); // idempotent
            s.execute("RESET search_path");
            return PriceBookReader.read(c, schema);
        }
    }

    @Test
    void seedLoadsAndPricesAtListPrices() throws Exception {
        PriceBook book = load("prices_seed");
        assertThat(book.size()).isEqualTo(12);
        long t = nanos("2026-11-01T12:00:00Z");

        ModelPrice gpt4o = book.match("p", "openai/GPT-4o", t).orElseThrow();
        assertThat(gpt4o.modelName()).isEqualTo("gpt-4o");
        // $2.50 / 1M input, $1.25 / 1M cached input, $10.00 / 1M output:
        // 1000 × 0.0000025 + 200 × 0.00000125 + 333 × 0.00001 = 0.0025 + 0.00025 + 0.00333.
        Map<String, BigDecimal> cost = CostCalculator.costDetails(
                Map.of("input", 1000L, "input_cached_tokens", 200L, "output", 333L, "total", 1533L), gpt4o);
        assertThat(cost.get("total")).isEqualByComparingTo("0.00608");

        assertThat(book.match("p", "gpt-4o-mini", t).orElseThrow().modelName()).isEqualTo("gpt-4o-mini");
        assertThat(book.match("p", "us.anthropic.claude-sonnet-4-20250514-v1:0", t).orElseThrow().modelName())
                .isEqualTo("claude-sonnet-4-20250514");
        // Embeddings are priced by total only: 1,000,000 × $0.00000002.
        ModelPrice embedding = book.match("p", "text-embedding-3-small", t).orElseThrow();
        assertThat(CostCalculator.costDetails(Map.of("input", 1_000_000L), embedding).get("total")).isEqualByComparingTo("0.02");
        assertThat(book.match("p", "my-finetuned-llama", t)).isEmpty();
    }

    @Test
    void projectDefinitionsAndPriceChangesReadBackWithTheirPrecedence() throws Exception {
        String schema = "prices_project";
        load(schema);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + schema + ".models (id, project_id, model_name, match_pattern, start_date) VALUES"
                    + " ('p1-gpt-4o', 'p1', 'gpt-4o', '^gpt-4o$', '2026-11-15T00:00:00Z'),"
                    + " ('broken', NULL, 'broken', 'gpt-(4o', NULL)");
            s.execute("INSERT INTO " + schema + ".model_prices VALUES ('p1-gpt-4o', 'input', 0.000001), ('broken', 'input', 1)");
            PriceBook book = PriceBookReader.read(c, schema);
            // The invalid pattern is skipped; everything else still prices.
            assertThat(book.size()).isEqualTo(13);
            assertThat(book.match("p1", "gpt-4o", nanos("2026-11-14T23:59:59Z")).orElseThrow().id())
                    .isEqualTo("b9854a5c92dc496b997d99d20");
            ModelPrice negotiated = book.match("p1", "gpt-4o", nanos("2026-11-15T00:00:00Z")).orElseThrow();
            assertThat(negotiated.id()).isEqualTo("p1-gpt-4o");
            assertThat(CostCalculator.costDetails(Map.of("input", 7L, "output", 5L), negotiated).get("total"))
                    .isEqualByComparingTo("0.000007");
            assertThat(book.match("p2", "gpt-4o", nanos("2026-11-20T00:00:00Z")).orElseThrow().id())
                    .isEqualTo("b9854a5c92dc496b997d99d20");
        }
    }
}
