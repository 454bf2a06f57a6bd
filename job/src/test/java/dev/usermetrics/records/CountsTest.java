package dev.usermetrics.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CountsTest {

    @Test
    void plusIsExactInsideTheLongRangeAndSaturatesOutside() {
        assertThat(Counts.plus(5, -7)).isEqualTo(-2);
        assertThat(Counts.plus(Long.MAX_VALUE, 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(Counts.plus(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(Counts.plus(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
        assertThat(Counts.plus(Long.MAX_VALUE, Long.MIN_VALUE)).isEqualTo(-1);
    }

    @Test
    void aCountersKeyGoesExactlyWhenItsCountIsZero() {
        Map<String, Long> counts = new HashMap<>();
        assertThat(Counts.add(counts, "a", 2)).isEqualTo(2);
        assertThat(Counts.add(counts, "a", -1)).isEqualTo(1);
        assertThat(counts).isEqualTo(Map.of("a", 1L));
        assertThat(Counts.add(counts, "a", -1)).isZero();
        assertThat(counts).isEmpty();
        // A signed delta may retract before it adds: a negative count stays.
        assertThat(Counts.add(counts, "b", -1)).isEqualTo(-1);
        assertThat(counts).isEqualTo(Map.of("b", -1L));
        assertThat(Counts.add(counts, "b", 0)).isEqualTo(-1);
        assertThat(Counts.add(counts, "c", 0)).isZero();
        assertThat(counts).containsOnlyKeys("b");
    }

    @Test
    void plusAsAMapMergeKeepsAKeyWhoseSumIsZero() {
        // How the parser adds legacy usage fields that name the same key: a 0 is a value, not absence.
        Map<String, Long> usage = new HashMap<>();
        usage.merge("input", 0L, Counts::plus);
        usage.merge("input", 0L, Counts::plus);
        usage.merge("output", 1L << 53, Counts::plus);
        usage.merge("output", 1L << 53, Counts::plus);
        assertThat(usage).isEqualTo(Map.of("input", 0L, "output", 1L << 54));
    }
}
