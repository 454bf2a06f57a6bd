package dev.usermetrics.sink;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The official JDBC sink, except that a failure while closing its writer is logged instead of
 * thrown. Why: when Postgres is down as a task fails, the JDBC writer's close() tries a last
 * flush, fails (an NPE on the statement it could not re-create) and throws from the task's
 * cleanup; Flink treats an exception in a failing task's cleanup as fatal and stops the whole
 * TaskManager (seen in the fault suite's Postgres outage). Nothing is lost by not throwing: the
 * task is failing anyway, and rejected events after the checkpoint are rejected again when the
 * source re-reads them (inserts are idempotent). Used for rejected_events only (the metric rows
 * have their own writer, PostgresRowSink).
 * Write and checkpoint-time flush failures still fail the task as before. Implements the same interfaces as {@link JdbcSink}, so the operators
 * and their state are unchanged. After each flush, subtask 0 also applies the rejected events'
 * retention ({@link TableRetention}), if one is given.
 */
public final class CloseTolerantSink<IN>
        implements Sink<IN>, SupportsWriterState<IN, JdbcWriterState>, SupportsCommitter<JdbcCommitable> {
    private static final Logger LOG = LoggerFactory.getLogger(CloseTolerantSink.class);

    private final JdbcSink<IN> delegate;
    private final TableRetention retention;

    /** retention: run after the flushes of subtask 0 (null: none). */
    public CloseTolerantSink(JdbcSink<IN> delegate, TableRetention retention) {
        this.delegate = delegate;
        this.retention = retention;
    }

    @Override
    public Writer<IN> createWriter(WriterInitContext context) throws IOException {
        return new Writer<>(delegate.createWriter(context), retentionOf(context));
    }

    @Override
    public Writer<IN> restoreWriter(WriterInitContext context, Collection<JdbcWriterState> recoveredState) throws IOException {
        return new Writer<>(delegate.restoreWriter(context, recoveredState), retentionOf(context));
    }

    /** One subtask deletes expired rows (the others would only repeat its statement). */
    private TableRetention retentionOf(WriterInitContext context) {
        return context.getTaskInfo().getIndexOfThisSubtask() == 0 ? retention : null;
    }

    @Override
    public SimpleVersionedSerializer<JdbcWriterState> getWriterStateSerializer() {
        return delegate.getWriterStateSerializer();
    }

    @Override
    public Committer<JdbcCommitable> createCommitter(CommitterInitContext context) throws IOException {
        return delegate.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<JdbcCommitable> getCommittableSerializer() {
        return delegate.getCommittableSerializer();
    }

    /** Delegates everything; only close() does not throw. */
    static final class Writer<IN>
            implements StatefulSinkWriter<IN, JdbcWriterState>, CommittingSinkWriter<IN, JdbcCommitable> {
        private final org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriter<IN> writer;
        private final TableRetention retention;

        Writer(org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriter<IN> writer, TableRetention retention) {
            this.writer = writer;
            this.retention = retention;
        }

        @Override
        public void write(IN element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
            if (retention != null) {
                retention.maybeDelete(System.currentTimeMillis());
            }
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public List<JdbcWriterState> snapshotState(long checkpointId) throws IOException {
            return writer.snapshotState(checkpointId);
        }

        @Override
        public Collection<JdbcCommitable> prepareCommit() throws IOException, InterruptedException {
            return writer.prepareCommit();
        }

        @Override
        public void close() {
            try {
                writer.close();
            } catch (Exception e) {
                LOG.warn("Closing the JDBC writer failed ({}); rows it still held are written again from the "
                        + "last completed checkpoint after the restart", rootMessage(e));
            }
        }

        private static String rootMessage(Throwable t) {
            while (t.getCause() != null) {
                t = t.getCause();
            }
            return t.toString();
        }
    }
}
