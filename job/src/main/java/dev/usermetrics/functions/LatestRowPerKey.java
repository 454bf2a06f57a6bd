package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;

/**
 * Chained right after the user stage: keeps only the latest row per key until the next
 * checkpoint barrier (or end of input, or {@code maxRows} keys), so one row per changed key and
 * checkpoint crosses the network to {@link LatestRowBuffer} instead of one per contribution. Rows
 * are absolute values, so the latest one says everything; no Flink state (emptied before every
 * barrier, see {@link FlushingBuffer}). Rows are only written when their checkpoint completes, so
 * holding them until the barrier delays nothing.
 */
public class LatestRowPerKey extends FlushingBuffer<MetricsRow.RowKey, MetricsRow> {

    public LatestRowPerKey(int maxRows, long flushIntervalMillis) {
        super(maxRows, flushIntervalMillis);
    }

    @Override
    protected MetricsRow.RowKey key(MetricsRow row) {
        return row.key();
    }

    @Override
    protected MetricsRow fold(MetricsRow buffered, MetricsRow incoming) {
        return incoming;
    }
}
