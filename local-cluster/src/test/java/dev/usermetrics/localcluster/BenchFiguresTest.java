package dev.usermetrics.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic and drawing of bin/bench's figures (no timing is measured here). */
class BenchFiguresTest {

    @Test
    void percentilesAreNearestRank() {
        List<Double> sorted = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);
        assertThat(Freshness.percentile(sorted, 0.50)).isEqualTo(5.0);
        assertThat(Freshness.percentile(sorted, 0.99)).isEqualTo(10.0);
        assertThat(Freshness.percentile(sorted, 0.10)).isEqualTo(1.0);
        assertThat(Freshness.percentile(List.of(), 0.5)).isNaN();
    }

    @Test
    void anUnseenProbeMakesTheHighPercentileInfinite() {
        List<Double> sorted = List.of(1.0, 1.5, Double.POSITIVE_INFINITY);
        assertThat(Freshness.percentile(sorted, 0.50)).isEqualTo(1.5);
        assertThat(Freshness.percentile(sorted, 0.99)).isInfinite();
    }

    @Test
    void plotHasABarPerRunAndTheFreshnessTarget() {
        Map<String, Double> bars = new LinkedHashMap<>();
        bars.put("ceiling (consume+parse)", 200_000.0);
        bars.put("job p=1", 50_000.0);
        bars.put("Flink SQL p=1 <x>", 25_000.0);
        String svg = BenchPlot.svg(bars, List.of(0.5, 1.0, 2.0, Double.POSITIVE_INFINITY), 11, "t & u");
        assertThat(svg).startsWith("<svg").endsWith("</svg>\n")
                .contains(">200,000<", ">50,000<", "Flink SQL p=1 &lt;x&gt;", "t &amp; u", "target 11.0 s");
        // Bars scale to the largest: the job's is a quarter of the ceiling's 280 px.
        assertThat(svg).contains("width=\"280.0\"", "width=\"70.0\"", "width=\"35.0\"");
        // Three of four probes seen: the step line ends at 3/4 of the 270 px height above y=350.
        assertThat(svg).contains(" 147.5\"");
    }
}
