package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.PendingRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Holds sink rows back until the checkpoint that covers them has completed, keeping only the
 * latest value per row (a user touched by 1,000 events in one checkpoint interval costs one row
 * write per table).
 *
 * <p>Why: Postgres then only ever sees rows of completed checkpoints. After a failure the job
 * restores the last completed checkpoint, whose rows are exactly what Postgres may hold, so no
 * row computed by the failed attempt from a state that is later undone (e.g. a trace briefly
 * counted for its first user) can survive — whatever the order in which the replay re-reads
 * the topic (records need not be keyed by trace). Freshness is therefore one checkpoint interval.
 *
 * <p>State: operator ListState {@code pending-rows} — the rows of checkpoints that were taken but
 * not yet confirmed complete. Restored rows are written again at start (idempotent upserts),
 * before any row of newer input. At end of input everything is written at once: the state is
 * then final, so its rows are the final truth whatever happens next.
 */
public class LatestRowBuffer extends AbstractStreamOperator<MetricsRow>
        implements OneInputStreamOperator<MetricsRow, MetricsRow>, BoundedOneInput, CheckpointListener {

    private transient Map<MetricsRow.RowKey, MetricsRow> current;
    private transient TreeMap<Long, Map<MetricsRow.RowKey, MetricsRow>> pending;
    private transient ListState<PendingRow> pendingState;
    private transient List<PendingRow> restored;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        pendingState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("pending-rows", TypeInformation.of(PendingRow.class)));
        restored = new ArrayList<>();
        if (context.isRestored()) {
            for (PendingRow p : pendingState.get()) {
                restored.add(p);
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        current = new LinkedHashMap<>();
        pending = new TreeMap<>();
        // Rows of the restored checkpoint: written again first (they may not have reached
        // Postgres before the failure); newer rows are only written after the next checkpoint,
        // for which these are flushed.
        restored.sort((a, b) -> Long.compare(a.checkpointId, b.checkpointId));
        StreamRecord<MetricsRow> reuse = new StreamRecord<>(null);
        for (PendingRow p : restored) {
            output.collect(reuse.replace(p.row));
        }
        restored = null;
    }

    @Override
    public void processElement(StreamRecord<MetricsRow> element) {
        MetricsRow row = element.getValue();
        current.put(row.key(), row);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        if (!current.isEmpty()) {
            pending.put(context.getCheckpointId(), current);
            current = new LinkedHashMap<>();
        }
        List<PendingRow> rows = new ArrayList<>();
        pending.forEach((id, map) -> map.values().forEach(r -> rows.add(new PendingRow(id, r))));
        pendingState.update(rows);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        Map<Long, Map<MetricsRow.RowKey, MetricsRow>> done = pending.headMap(checkpointId, true);
        StreamRecord<MetricsRow> reuse = new StreamRecord<>(null);
        for (Map<MetricsRow.RowKey, MetricsRow> rows : done.values()) {
            for (MetricsRow r : rows.values()) {
                output.collect(reuse.replace(r));
            }
        }
        done.clear();
    }

    @Override
    public void endInput() {
        StreamRecord<MetricsRow> reuse = new StreamRecord<>(null);
        for (Map<MetricsRow.RowKey, MetricsRow> rows : pending.values()) {
            for (MetricsRow r : rows.values()) {
                output.collect(reuse.replace(r));
            }
        }
        pending.clear();
        for (MetricsRow r : current.values()) {
            output.collect(reuse.replace(r));
        }
        current.clear();
    }

    /** Rows not yet written: current interval plus pending checkpoints (for tests). */
    int buffered() {
        return current.size() + pending.values().stream().mapToInt(Map::size).sum();
    }
}
