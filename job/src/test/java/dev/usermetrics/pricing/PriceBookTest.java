package dev.usermetrics.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Langfuse's matching precedence: project over global, then the latest start date not after the observation. */
class PriceBookTest {
    private static final long NOV_1 = nanos("2026-11-01T00:00:00Z");
    private static final long NOV_15 = nanos("2026-11-15T00:00:00Z");

    private static ModelPrice def(String id, String project, String pattern, Long start, String inputPrice) {
        return new ModelPrice(id, project, "gpt-4o", ModelPrice.pattern(pattern), start, "TOKENS",
                Map.of("input", new BigDecimal(inputPrice)));
    }

    private static long nanos(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static String matchId(PriceBook book, String project, String model, long time) {
        return book.match(project, model, time).map(ModelPrice::id).orElse(null);
    }

    @Test
    void projectDefinitionWinsOverGlobalEvenWhenOlder() {
        PriceBook book = new PriceBook(List.of(
                def("global-new", null, "^gpt-4o$", NOV_15, "1"),
                def("project-old", "p1", "^gpt-4o$", NOV_1, "2")));
        assertThat(matchId(book, "p1", "gpt-4o", NOV_15 + 1)).isEqualTo("project-old");
        assertThat(matchId(book, "p2", "gpt-4o", NOV_15 + 1)).isEqualTo("global-new");
    }

    @Test
    void latestStartDateNotAfterTheObservationWins() {
        PriceBook book = new PriceBook(List.of(
                def("since-nov-1", null, "^gpt-4o$", NOV_1, "1"),
                def("since-nov-15", null, "^gpt-4o$", NOV_15, "2"),
                def("always", null, "^gpt-4o$", null, "3")));
        assertThat(matchId(book, "p", "gpt-4o", NOV_1 - 1)).isEqualTo("always");
        assertThat(matchId(book, "p", "gpt-4o", NOV_1)).isEqualTo("since-nov-1");
        assertThat(matchId(book, "p", "gpt-4o", NOV_15 - 1)).isEqualTo("since-nov-1");
        assertThat(matchId(book, "p", "gpt-4o", NOV_15)).isEqualTo("since-nov-15");
    }

    @Test
    void aProjectDefinitionNotYetValidFallsBackToTheGlobalOne() {
        PriceBook book = new PriceBook(List.of(
                def("project-future", "p1", "^gpt-4o$", NOV_15, "2"),
                def("global", null, "^gpt-4o$", null, "1")));
        assertThat(matchId(book, "p1", "gpt-4o", NOV_1)).isEqualTo("global");
        assertThat(matchId(book, "p1", "gpt-4o", NOV_15)).isEqualTo("project-future");
    }

    @Test
    void patternsAreCaseInsensitiveSearches() {
        PriceBook book = new PriceBook(List.of(def("g", null, "^(openai/)?gpt-4o(-2024-08-06)?$", null, "1")));
        assertThat(matchId(book, "p", "GPT-4o", NOV_1)).isEqualTo("g");
        assertThat(matchId(book, "p", "openai/gpt-4o-2024-08-06", NOV_1)).isEqualTo("g");
        assertThat(matchId(book, "p", "gpt-4o-mini", NOV_1)).isNull();
        assertThat(matchId(book, "p", null, NOV_1)).isNull();
        // Unanchored patterns search anywhere, like Postgres' ~*.
        PriceBook loose = new PriceBook(List.of(def("l", null, "claude", null, "1")));
        assertThat(matchId(loose, "p", "anthropic.Claude-3", NOV_1)).isEqualTo("l");
    }

    @Test
    void equalDefinitionsAreBrokenByIdSoTheChoiceIsReproducible() {
        PriceBook a = new PriceBook(List.of(def("b", null, "gpt", null, "1"), def("a", null, "gpt", null, "2")));
        PriceBook b = new PriceBook(List.of(def("a", null, "gpt", null, "2"), def("b", null, "gpt", null, "1")));
        assertThat(matchId(a, "p", "gpt-4o", NOV_1)).isEqualTo("a");
        assertThat(matchId(b, "p", "gpt-4o", NOV_1)).isEqualTo("a");
    }
}
