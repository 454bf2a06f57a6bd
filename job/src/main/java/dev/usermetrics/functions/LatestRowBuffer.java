package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;

/**
 * Coalesces sink row updates: keeps only the latest absolute value per row, so a user touched
 * by 1,000 events between two flushes costs one row write per table. The JDBC sinks flush on
 * every checkpoint, so a completed checkpoint implies its rows are in Postgres.
 */
public class LatestRowBuffer extends FlushingBuffer<MetricsRow.RowKey, MetricsRow> {
    public LatestRowBuffer(int maxRows, long flushIntervalMillis) {
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
