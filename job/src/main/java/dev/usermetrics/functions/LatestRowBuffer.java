package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Coalesces row updates: keeps only the latest absolute value per sink row and emits the buffer
 * when it holds {@code maxRows} rows, every {@code flushIntervalMillis}, before every checkpoint
 * barrier and at end of input. So a user touched by 1,000 events between flushes costs one row
 * write, and no row is held back across a checkpoint (the JDBC sink flushes on checkpoint, so
 * a completed checkpoint implies its rows are in Postgres).
 *
 * <p>State: none in Flink state (the buffer is always empty at a checkpoint).
 */
public class LatestRowBuffer extends AbstractStreamOperator<MetricsRow>
        implements OneInputStreamOperator<MetricsRow, MetricsRow>, BoundedOneInput {

    private final int maxRows;
    private final long flushIntervalMillis;
    private transient Map<MetricsRow.RowKey, MetricsRow> buffer;

    public LatestRowBuffer(int maxRows, long flushIntervalMillis) {
        this.maxRows = maxRows;
        this.flushIntervalMillis = flushIntervalMillis;
    }

    @Override
    public void open() throws Exception {
        super.open();
        buffer = new LinkedHashMap<>();
        if (flushIntervalMillis > 0) {
            scheduleFlush();
        }
    }

    private void scheduleFlush() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + flushIntervalMillis, ts -> {
            flush();
            scheduleFlush();
        });
    }

    @Override
    public void processElement(StreamRecord<MetricsRow> element) {
        MetricsRow row = element.getValue();
        buffer.put(row.key(), row);
        if (buffer.size() >= maxRows) {
            flush();
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void endInput() {
        flush();
    }

    private void flush() {
        if (buffer.isEmpty()) {
            return;
        }
        StreamRecord<MetricsRow> reuse = new StreamRecord<>(null);
        for (MetricsRow row : buffer.values()) {
            output.collect(reuse.replace(row));
        }
        buffer.clear();
    }

    /** Rows currently buffered (for tests). */
    int buffered() {
        return buffer.size();
    }
}
