package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class LatestRowBufferTest {

    private static MetricsRow row(String user, long traces) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_METRICS;
        r.projectId = "p";
        r.userId = user;
        r.metrics = new Metrics();
        r.metrics.traces = traces;
        return r;
    }

    @Test
    void keepsTheLatestRowPerKeyAndEmitsBeforeEveryCheckpointBarrier() throws Exception {
        LatestRowBuffer op = new LatestRowBuffer(1000, 0);
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            h.processElement(new StreamRecord<>(row("a", 1)));
            h.processElement(new StreamRecord<>(row("b", 1)));
            h.processElement(new StreamRecord<>(row("a", 2)));
            h.processElement(new StreamRecord<>(row("a", 3)));
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(op.buffered()).isEqualTo(2);

            h.prepareSnapshotPreBarrier(1);
            List<MetricsRow> out = h.extractOutputValues();
            assertThat(out).extracting(r -> r.userId + "=" + r.metrics.traces).containsExactly("a=3", "b=1");
            assertThat(op.buffered()).isZero();
        }
    }

    @Test
    void emitsWhenFullAndAtEndOfInput() throws Exception {
        LatestRowBuffer op = new LatestRowBuffer(2, 0);
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            h.processElement(new StreamRecord<>(row("a", 1)));
            h.processElement(new StreamRecord<>(row("b", 1)));
            assertThat(h.extractOutputValues()).hasSize(2);
            h.processElement(new StreamRecord<>(row("c", 1)));
            op.endInput();
            assertThat(h.extractOutputValues()).extracting(r -> r.userId).containsExactly("a", "b", "c");
        }
    }

    @Test
    void emitsOnTheFlushInterval() throws Exception {
        LatestRowBuffer op = new LatestRowBuffer(1000, 1000);
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.setProcessingTime(0);
            h.open();
            h.processElement(new StreamRecord<>(row("a", 1)));
            h.setProcessingTime(999);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(1000);
            assertThat(h.extractOutputValues()).hasSize(1);
            h.processElement(new StreamRecord<>(row("a", 2)));
            h.setProcessingTime(2000);
            assertThat(h.extractOutputValues()).extracting(r -> r.metrics.traces).containsExactly(1L, 2L);
        }
    }
}
