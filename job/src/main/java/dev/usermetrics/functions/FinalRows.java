package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.util.Collector;

/**
 * A keyed stage whose rows a bounded run writes once, at end of input, from its state: every
 * final row exactly once (the floor of row writes), instead of every changed row at every
 * checkpoint. During such a run the stage emits only the rows that become empty (deletes), so a
 * row that existed before the run (a run resumed from a live job's savepoint) cannot outlive it.
 *
 * <p>Why it is safe without the checkpoint-completion rule of {@link LatestRowBuffer}: at end of
 * input the state is final — the exact truth for the whole input, whatever the order and the
 * restarts on the way — and every row of it is written; an early delete is either confirmed by
 * the final state (no row) or overwritten by its final row. Readers do not watch a bounded run's
 * schema mid-way (a backfill is switched to only when it has finished, bin/backfill).
 */
public interface FinalRows {

    /** A state that every key with rows holds: its keys are those iterated at end of input. */
    StateDescriptor<?, ?> keysState();

    /** Emits every row of the current key (whose key string is {@code key}) from state. */
    void emitFinalRows(String key, Collector<MetricsRow> out) throws Exception;

    /** Passes on only the rows that delete (used while a bounded run has not ended). */
    static Collector<MetricsRow> deletesOnly(Collector<MetricsRow> out) {
        return new Collector<>() {
            @Override
            public void collect(MetricsRow row) {
                if (row.isDelete()) {
                    out.collect(row);
                }
            }

            @Override
            public void close() {
                out.close();
            }
        };
    }
}
