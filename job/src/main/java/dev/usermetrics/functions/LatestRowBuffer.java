package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.PendingRow;
import dev.usermetrics.sink.RowSink;
import dev.usermetrics.sink.TableRetention;
import dev.usermetrics.sink.WriterClaim;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
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
 * write per table), then writes them through a {@link RowSink} — all rows of the completed
 * checkpoints in one batch (set-based, one transaction).
 *
 * <p>Why: Postgres then only ever sees rows of completed checkpoints. After a failure the job
 * restores the last completed checkpoint, whose rows are exactly what Postgres may hold, so no
 * row computed by the failed attempt from a state that is later undone (e.g. a trace briefly
 * counted for its first user) can survive — whatever the order in which the replay re-reads
 * the topic (records need not be keyed by trace). Freshness is therefore one checkpoint interval.
 *
 * <p>State: operator ListState {@code pending-rows} — the rows of checkpoints that were taken but
 * not yet written (written means: the sink's write returned). Restored rows are written again at
 * start (idempotent upserts), before any row of newer input. At end of input everything is
 * written at once: the state is then final, so its rows are the final truth whatever happens next.
 * The write is handed to the sink inside {@code notifyCheckpointComplete} (it may finish on the
 * sink's writer thread while the task goes on); every snapshot first waits for it
 * ({@link RowSink#flush()}), so no checkpoint forgets rows that are not yet durable.
 *
 * <p>Operator union state {@code writer-lineage}: the lineage this job writes as (the id of the
 * job that started it without state), so a job restored from these checkpoints is recognised as
 * the schema's writer ({@link WriterClaim}). A refused claim fails the job without restarts.
 */
public class LatestRowBuffer extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<MetricsRow, Void>, BoundedOneInput, CheckpointListener {

    /** Bounded runs write rows as they come once this many are buffered (see {@link FinalRows}). */
    static final int EAGER_ROWS = 20_000;

    private final RowSink.Factory sinkFactory;
    private final boolean eager;
    /** Deletes expired list rows after writes (subtask 0 only; null: none). */
    private final TableRetention retention;
    private transient boolean housekeeper;
    private transient RowSink sink;
    private transient org.apache.flink.metrics.Counter rowsWritten;
    private transient Map<MetricsRow.RowKey, MetricsRow> current;
    private transient TreeMap<Long, Map<MetricsRow.RowKey, MetricsRow>> pending;
    private transient ListState<PendingRow> pendingState;
    private transient List<PendingRow> restored;
    private transient ListState<String> lineageState;
    private transient WriterClaim.Claimant claimant;

    public LatestRowBuffer(RowSink.Factory sinkFactory) {
        this(sinkFactory, false);
    }

    /**
     * eager: a bounded run whose stages emit their final rows at end of input ({@link FinalRows}):
     * those rows are the truth as they arrive, so they are written in batches of {@link #EAGER_ROWS}
     * instead of being held (they would be the whole tables) until the end.
     */
    public LatestRowBuffer(RowSink.Factory sinkFactory, boolean eager) {
        this(sinkFactory, eager, null);
    }

    /** retention: deletes the user page's list rows past their retention after writes (null: none). */
    public LatestRowBuffer(RowSink.Factory sinkFactory, boolean eager, TableRetention retention) {
        this.sinkFactory = sinkFactory;
        this.eager = eager;
        this.retention = retention;
    }

    /**
     * One subtask deletes expired list rows (the others would only repeat it), at most every
     * {@code TableRetention.interval()}; a row written in the meantime goes at the next run.
     */
    private void housekeeping() {
        if (housekeeper) {
            retention.maybeDelete(System.currentTimeMillis());
        }
    }

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
        lineageState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("writer-lineage", StringSerializer.INSTANCE));
        String lineage = null;
        for (String l : lineageState.get()) {
            lineage = l; // every subtask stored the same one
        }
        claimant = new WriterClaim.Claimant(lineage, context.isRestored(),
                getRuntimeContext().getJobInfo().getJobId().toHexString(),
                getRuntimeContext().getTaskInfo().getAttemptNumber() == 0);
    }

    @Override
    public void open() throws Exception {
        super.open();
        rowsWritten = getMetricGroup().counter("rowsWritten");
        housekeeper = retention != null && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
        current = new LinkedHashMap<>();
        pending = new TreeMap<>();
        try {
            sink = sinkFactory.open(claimant);
        } catch (WriterClaim.RefusedException e) {
            throw new SuppressRestartsException(e); // another writer holds the schema: restarting changes nothing
        }
        // Rows of the restored checkpoint: written again first (they may not have reached
        // Postgres before the failure), newest checkpoint's value per key.
        restored.sort((a, b) -> Long.compare(a.checkpointId, b.checkpointId));
        Map<MetricsRow.RowKey, MetricsRow> latest = new LinkedHashMap<>();
        for (PendingRow p : restored) {
            latest.put(p.row.key(), p.row);
        }
        write(latest.values());
        restored = null;
    }

    /** Hands rows to the writer and counts them (metric rowsWritten: durable once the next flush returns). */
    private void write(java.util.Collection<MetricsRow> rows) throws Exception {
        sink.write(rows);
        rowsWritten.inc(rows.size());
    }

    @Override
    public void processElement(StreamRecord<MetricsRow> element) throws Exception {
        MetricsRow row = element.getValue();
        current.put(row.key(), row);
        if (eager && current.size() >= EAGER_ROWS) {
            write(current.values());
            current = new LinkedHashMap<>();
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // Rows handed to the sink leave `pending`: this snapshot may forget them only once they
        // are durable (a failed write fails the task here, and the previous checkpoint has them).
        sink.flush();
        if (!current.isEmpty()) {
            pending.put(context.getCheckpointId(), current);
            current = new LinkedHashMap<>();
        }
        lineageState.update(List.of(claimant.effectiveLineage()));
        List<PendingRow> rows = new ArrayList<>();
        pending.forEach((id, map) -> map.values().forEach(r -> rows.add(new PendingRow(id, r))));
        pendingState.update(rows);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        Map<Long, Map<MetricsRow.RowKey, MetricsRow>> done = pending.headMap(checkpointId, true);
        if (!done.isEmpty()) {
            write(merged(done.values()));
            done.clear();
        }
        housekeeping();
    }

    @Override
    public void endInput() throws Exception {
        List<Map<MetricsRow.RowKey, MetricsRow>> all = new ArrayList<>(pending.values());
        all.add(current);
        write(merged(all));
        sink.flush();
        housekeeping();
        pending.clear();
        current = new LinkedHashMap<>();
    }

    @Override
    public void close() throws Exception {
        if (sink != null) {
            sink.close();
        }
        super.close();
    }

    /** One row per key: a later checkpoint's value wins (the maps are in checkpoint order). */
    private static java.util.Collection<MetricsRow> merged(java.util.Collection<Map<MetricsRow.RowKey, MetricsRow>> maps) {
        if (maps.size() == 1) {
            return maps.iterator().next().values();
        }
        Map<MetricsRow.RowKey, MetricsRow> out = new LinkedHashMap<>();
        maps.forEach(out::putAll);
        return out.values();
    }

    /** Rows not yet written: current interval plus pending checkpoints (for tests). */
    int buffered() {
        return current.size() + pending.values().stream().mapToInt(Map::size).sum();
    }
}
