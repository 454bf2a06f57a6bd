package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
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

    private static void send(OneInputStreamOperatorTestHarness<MetricsRow, MetricsRow> h, MetricsRow... rows) throws Exception {
        for (MetricsRow r : rows) {
            h.processElement(new StreamRecord<>(r));
        }
    }

    @Test
    void writesTheLatestRowPerKeyOnlyWhenItsCheckpointCompletes() throws Exception {
        LatestRowBuffer op = new LatestRowBuffer();
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            send(h, row("a", 1), row("b", 1), row("a", 2), row("a", 3));
            h.snapshot(1, 1);
            assertThat(h.extractOutputValues()).isEmpty();
            send(h, row("a", 4)); // after the barrier: belongs to checkpoint 2
            h.notifyOfCompletedCheckpoint(1);
            assertThat(h.extractOutputValues()).extracting(r -> r.userId + "=" + r.metrics.traces).containsExactly("a=3", "b=1");
            assertThat(op.buffered()).isEqualTo(1);

            h.snapshot(2, 2);
            h.notifyOfCompletedCheckpoint(2);
            assertThat(h.extractOutputValues()).extracting(r -> r.userId + "=" + r.metrics.traces)
                    .containsExactly("a=3", "b=1", "a=4");
            assertThat(op.buffered()).isZero();
        }
    }

    @Test
    void rowsOfACheckpointThatWasNotConfirmedAreWrittenAfterRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = new OneInputStreamOperatorTestHarness<>(new LatestRowBuffer())) {
            h.open();
            send(h, row("a", 1), row("b", 2));
            snapshot = h.snapshot(7, 7);
            // The job fails before checkpoint 7 is confirmed; rows after it are lost with it.
            send(h, row("a", 99));
            assertThat(h.extractOutputValues()).isEmpty();
        }
        try (var h = new OneInputStreamOperatorTestHarness<>(new LatestRowBuffer())) {
            h.initializeState(snapshot);
            h.open();
            assertThat(h.extractOutputValues()).extracting(r -> r.userId + "=" + r.metrics.traces)
                    .containsExactlyInAnyOrder("a=1", "b=2");
        }
    }

    @Test
    void endOfInputWritesEverything() throws Exception {
        LatestRowBuffer op = new LatestRowBuffer();
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            send(h, row("a", 1));
            h.snapshot(1, 1);
            send(h, row("b", 1), row("a", 2));
            op.endInput();
            assertThat(h.extractOutputValues()).extracting(r -> r.userId + "=" + r.metrics.traces)
                    .containsExactly("a=1", "b=1", "a=2");
        }
    }
}
