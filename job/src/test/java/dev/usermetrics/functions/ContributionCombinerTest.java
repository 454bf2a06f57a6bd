package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Contribution;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ContributionCombinerTest {

    private static Contribution obs(String user, long hour, long input) {
        Contribution c = new Contribution("p", user, "default", hour);
        c.delta.observations = 1;
        c.delta.usage.put("input", input);
        c.delta.usageKeyCount.put("input", 1L);
        c.delta.totalTokens = input;
        return c;
    }

    @Test
    void sumsPerUserAndHourAndKeepsKeysThatNetToZero() throws Exception {
        ContributionCombiner op = new ContributionCombiner(1000, 0);
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            h.processElement(new StreamRecord<>(obs("a", 0, 5)));
            h.processElement(new StreamRecord<>(obs("a", 0, 7)));
            h.processElement(new StreamRecord<>(obs("a", 3_600_000, 1)));
            Contribution moveIn = new Contribution("p", "b", "default", 0);
            moveIn.addTrace(42, +1);
            Contribution moveOut = new Contribution("p", "b", "default", 0);
            moveOut.addTrace(42, -1);
            h.processElement(new StreamRecord<>(moveIn));
            h.processElement(new StreamRecord<>(moveOut));
            assertThat(op.buffered()).isEqualTo(3);

            h.prepareSnapshotPreBarrier(1);
            List<Contribution> out = h.extractOutputValues();
            // b's +1/-1 cancel out but b is still emitted, so a replay after a restart touches
            // (and corrects) every row the failed attempt may have written.
            assertThat(out).hasSize(3);
            assertThat(out.get(2).userId).isEqualTo("b");
            assertThat(out.get(2).isZero()).isTrue();
            assertThat(out.get(0).delta.observations).isEqualTo(2);
            assertThat(out.get(0).delta.usage).isEqualTo(Map.of("input", 12L));
            assertThat(out.get(0).delta.usageKeyCount).isEqualTo(Map.of("input", 2L));
            assertThat(out.get(1).hourStartMillis).isEqualTo(3_600_000);
            assertThat(op.buffered()).isZero();
        }
    }
}
