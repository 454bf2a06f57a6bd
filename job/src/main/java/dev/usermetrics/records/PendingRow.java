package dev.usermetrics.records;

/** A row waiting for its checkpoint to complete before it is written (operator state). */
public class PendingRow {
    public long checkpointId;
    public MetricsRow row;

    public PendingRow() {}

    public PendingRow(long checkpointId, MetricsRow row) {
        this.checkpointId = checkpointId;
        this.row = row;
    }
}
