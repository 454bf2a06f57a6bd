package dev.usermetrics.sink;

import dev.usermetrics.records.MetricsRow;
import java.io.Serializable;
import java.util.Collection;

/**
 * Where {@code LatestRowBuffer} writes the rows of completed checkpoints: one call per batch of
 * rows with distinct keys, applied all or nothing (a reader sees a checkpoint's rows together),
 * in call order. A write may still be under way when it returns (so the caller can prepare the
 * next batch meanwhile); {@link #flush()} returning normally means every row written before it is
 * durable.
 */
public interface RowSink extends AutoCloseable {

    /** Hands over a batch; it may become durable later, and a failure may surface on a later call. */
    void write(Collection<MetricsRow> rows) throws Exception;

    /** Waits until every batch written so far is durable; throws if one of them failed. */
    default void flush() throws Exception {}

    @Override
    void close() throws Exception;

    /**
     * Opens a sink on the task (the factory travels with the job graph; the connection does not),
     * claiming the schema for {@code who} ({@link WriterClaim}; a refusal throws
     * {@link WriterClaim.RefusedException}).
     */
    interface Factory extends Serializable {
        RowSink open(WriterClaim.Claimant who) throws Exception;
    }
}
