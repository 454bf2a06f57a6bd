package dev.usermetrics.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fingerprint decides whether the trace stage re-prices its state: equal content (in any
 * order, decimals written differently) must give the same one, and every change a different one.
 */
class PriceSnapshotTest {
    private static PriceDefinition def(String id, String project, String pattern, Long start, String input) {
        return new PriceDefinition(id, project, "m", pattern, start, "TOKENS", Map.of("input", new BigDecimal(input)));
    }

    @Test
    void equalContentHasTheSameFingerprint() {
        PriceSnapshot a = PriceSnapshot.of(List.of(def("a", null, "^m$", null, "0.5"), def("b", "p", "^n$", 10L, "1")));
        PriceSnapshot b = PriceSnapshot.of(List.of(def("b", "p", "^n$", 10L, "1.000"), def("a", null, "^m$", null, "0.50")));
        assertThat(a.fingerprint).isEqualTo(b.fingerprint);
        assertThat(b.definitions).extracting(d -> d.id).containsExactly("a", "b");
    }

    @Test
    void everyChangeChangesTheFingerprint() {
        String base = PriceSnapshot.of(List.of(def("a", null, "^m$", null, "0.5"))).fingerprint;
        List<PriceSnapshot> changed = List.of(
                PriceSnapshot.of(List.of(def("a", null, "^m$", null, "0.6"))),
                PriceSnapshot.of(List.of(def("a", "p", "^m$", null, "0.5"))),
                PriceSnapshot.of(List.of(def("a", null, "^m", null, "0.5"))),
                PriceSnapshot.of(List.of(def("a", null, "^m$", 1L, "0.5"))),
                PriceSnapshot.of(List.of(def("a2", null, "^m$", null, "0.5"))),
                PriceSnapshot.of(List.of(def("a", null, "^m$", null, "0.5"), def("b", null, "^m$", null, "0.5"))),
                PriceSnapshot.of(List.of(new PriceDefinition("a", null, "m", "^m$", null, "TOKENS",
                        Map.of("input", new BigDecimal("0.5"), "output", BigDecimal.ONE)))),
                PriceSnapshot.empty());
        for (PriceSnapshot s : changed) {
            assertThat(s.fingerprint).as("%s", s.definitions).isNotEqualTo(base);
        }
    }

    @Test
    void anInvalidPatternIsSkippedAndTheRestStillPrices() {
        PriceBook book = PriceSnapshot.of(List.of(def("bad", null, "gpt-(4o", null, "1"), def("good", null, "^m$", null, "2")))
                .book();
        assertThat(book.size()).isEqualTo(1);
        assertThat(book.match("p", "m", 0).orElseThrow().id()).isEqualTo("good");
    }
}
