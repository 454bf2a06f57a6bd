package dev.usermetrics.sink;

import dev.usermetrics.records.MetricsRow;
import java.io.Serializable;
import java.util.Collection;

/**
 * Where {@code LatestRowBuffer} writes the rows of completed checkpoints: one call per batch of
 * rows with distinct keys, applied all or nothing (a reader sees a checkpoint's rows together).
 * Returning normally means the rows are durable.
 */
public interface RowSink extends AutoCloseable {

    void write(Collection<MetricsRow> rows) throws Exception;

    @Override
    void close() throws Exception;

    /** Opens a sink on the task (the factory travels with the job graph; the connection does not). */
    interface Factory extends Serializable {
        RowSink open() throws Exception;
    }
}
