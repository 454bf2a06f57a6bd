package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import dev.usermetrics.sink.RowSink;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatestRowBufferTest {

    /** The rows written, in write order (one list per batch), shared by every sink the factory opens. */
    static final class CapturingSink implements RowSink.Factory {
        final List<List<String>> batches = new ArrayList<>();

        @Override
        public RowSink open(dev.usermetrics.sink.WriterClaim.Claimant who) {
            return new RowSink() {
                @Override
                public void write(Collection<MetricsRow> rows) {
                    if (!rows.isEmpty()) {
                        batches.add(rows.stream().map(r -> r.userId + "=" + r.metrics.traces).toList());
                    }
                }

                @Override
                public void close() {}
            };
        }

        List<String> rows() {
            return batches.stream().flatMap(List::stream).toList();
        }
    }

    private static MetricsRow row(String user, long traces) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.USER_METRICS;
        r.projectId = "p";
        r.userId = user;
        r.metrics = new Metrics();
        r.metrics.traces = traces;
        return r;
    }

    private static void send(OneInputStreamOperatorTestHarness<MetricsRow, Void> h, MetricsRow... rows) throws Exception {
        for (MetricsRow r : rows) {
            h.processElement(new StreamRecord<>(r));
        }
    }

    @Test
    void writesTheLatestRowPerKeyOnlyWhenItsCheckpointCompletes() throws Exception {
        CapturingSink sink = new CapturingSink();
        LatestRowBuffer op = new LatestRowBuffer(sink);
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            send(h, row("a", 1), row("b", 1), row("a", 2), row("a", 3));
            h.snapshot(1, 1);
            assertThat(sink.rows()).isEmpty();
            send(h, row("a", 4)); // after the barrier: belongs to checkpoint 2
            h.notifyOfCompletedCheckpoint(1);
            assertThat(sink.rows()).containsExactly("a=3", "b=1");
            assertThat(op.buffered()).isEqualTo(1);

            h.snapshot(2, 2);
            h.notifyOfCompletedCheckpoint(2);
            assertThat(sink.batches).containsExactly(List.of("a=3", "b=1"), List.of("a=4"));
            assertThat(op.buffered()).isZero();
        }
    }

    @Test
    void rowsOfACheckpointThatWasNotConfirmedAreWrittenAfterRestore() throws Exception {
        OperatorSubtaskState snapshot;
        CapturingSink first = new CapturingSink();
        try (var h = new OneInputStreamOperatorTestHarness<>(new LatestRowBuffer(first))) {
            h.open();
            send(h, row("a", 1), row("b", 2));
            snapshot = h.snapshot(7, 7);
            // The job fails before checkpoint 7 is confirmed; rows after it are lost with it.
            send(h, row("a", 99));
            assertThat(first.rows()).isEmpty();
        }
        CapturingSink second = new CapturingSink();
        try (var h = new OneInputStreamOperatorTestHarness<>(new LatestRowBuffer(second))) {
            h.initializeState(snapshot);
            h.open();
            assertThat(second.rows()).containsExactlyInAnyOrder("a=1", "b=2");
        }
    }

    @Test
    void endOfInputWritesEverything() throws Exception {
        CapturingSink sink = new CapturingSink();
        LatestRowBuffer op = new LatestRowBuffer(sink);
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            send(h, row("a", 1));
            h.snapshot(1, 1);
            send(h, row("b", 1), row("a", 2));
            op.endInput();
            // One batch, one row per key: the pending checkpoint's a=1 is superseded by a=2.
            assertThat(sink.batches).containsExactly(List.of("a=2", "b=1"));
        }
    }

    /** A sink whose writes become durable only when flushed (as PostgresRowSink's writer thread). */
    static final class DeferredSink implements RowSink.Factory {
        final List<String> handed = new ArrayList<>();
        final List<String> durable = new ArrayList<>();

        @Override
        public RowSink open(dev.usermetrics.sink.WriterClaim.Claimant who) {
            return new RowSink() {
                @Override
                public void write(Collection<MetricsRow> rows) {
                    rows.forEach(r -> handed.add(r.userId + "=" + r.metrics.traces));
                }

                @Override
                public void flush() {
                    durable.addAll(handed);
                    handed.clear();
                }

                @Override
                public void close() {}
            };
        }
    }

    @Test
    void aSnapshotWaitsUntilTheRowsItForgetsAreDurable() throws Exception {
        DeferredSink sink = new DeferredSink();
        LatestRowBuffer op = new LatestRowBuffer(sink);
        try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
            h.open();
            send(h, row("a", 1));
            h.snapshot(1, 1);
            h.notifyOfCompletedCheckpoint(1);
            assertThat(sink.handed).containsExactly("a=1");
            assertThat(sink.durable).isEmpty();
            // Checkpoint 2 no longer holds a=1: it is taken only once a=1 is durable.
            send(h, row("b", 1));
            h.snapshot(2, 2);
            assertThat(sink.durable).containsExactly("a=1");
            h.notifyOfCompletedCheckpoint(2);
            op.endInput();
            assertThat(sink.durable).containsExactly("a=1", "b=1");
            assertThat(sink.handed).isEmpty();
        }
    }
}
