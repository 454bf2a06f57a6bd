package dev.usermetrics.wire;

import static dev.usermetrics.wire.WireFormat.readEnum;
import static dev.usermetrics.wire.WireFormat.readNullableLong;
import static dev.usermetrics.wire.WireFormat.readString;
import static dev.usermetrics.wire.WireFormat.writeEnum;
import static dev.usermetrics.wire.WireFormat.writeNullableLong;
import static dev.usermetrics.wire.WireFormat.writeString;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link MetricsRow} on the user → row-buffer shuffle. (The buffer's operator state keeps rows
 * with its own, unchanged PojoSerializer of PendingRow, so savepoints are not affected.)
 */
public final class MetricsRowSerializer extends WireSerializer<MetricsRow> {
    public static final MetricsRowSerializer INSTANCE = new MetricsRowSerializer();
    private static final SinkTable[] TABLES = SinkTable.values();
    private static final dev.usermetrics.records.ScoreDataType[] SCORE_TYPES = dev.usermetrics.records.ScoreDataType.values();

    private MetricsRowSerializer() {
        super(MetricsRow.class);
    }

    @Override
    public MetricsRow createInstance() {
        return new MetricsRow();
    }

    @Override
    public void serialize(MetricsRow r, DataOutputView out) throws IOException {
        writeEnum(out, r.table);
        writeString(out, r.projectId);
        writeString(out, r.userId);
        writeString(out, r.environment);
        out.writeLong(r.bucketStartMillis);
        writeString(out, r.subKey);
        RecordCodecs.writeMetrics(out, r.metrics);
        RecordCodecs.writeModelMetrics(out, r.modelMetrics);
        RecordCodecs.writeScoreTotals(out, r.score);
        out.writeLong(r.userCount);
        writeNullableLong(out, r.firstSeenNanos);
        writeNullableLong(out, r.lastSeenNanos);
        out.writeLong(r.sessionCount);
        writeString(out, r.traceId);
        writeString(out, r.scoreId);
        writeString(out, r.name);
        writeString(out, r.sessionId);
        out.writeLong(r.timeNanos);
        RecordCodecs.writeRowTotals(out, r.totals);
        writeEnum(out, r.scoreDataType);
        WireFormat.writeDecimal(out, r.scoreValue);
        writeString(out, r.scoreLabel);
        RecordCodecs.writeBudgetAlert(out, r.alert);
    }

    @Override
    public MetricsRow deserialize(DataInputView in) throws IOException {
        MetricsRow r = new MetricsRow();
        r.table = readEnum(in, TABLES);
        r.projectId = readString(in);
        r.userId = readString(in);
        r.environment = readString(in);
        r.bucketStartMillis = in.readLong();
        r.subKey = readString(in);
        r.metrics = RecordCodecs.readMetrics(in);
        r.modelMetrics = RecordCodecs.readModelMetrics(in);
        r.score = RecordCodecs.readScoreTotals(in);
        r.userCount = in.readLong();
        r.firstSeenNanos = readNullableLong(in);
        r.lastSeenNanos = readNullableLong(in);
        r.sessionCount = in.readLong();
        r.traceId = readString(in);
        r.scoreId = readString(in);
        r.name = readString(in);
        r.sessionId = readString(in);
        r.timeNanos = in.readLong();
        r.totals = RecordCodecs.readRowTotals(in);
        r.scoreDataType = readEnum(in, SCORE_TYPES);
        r.scoreValue = WireFormat.readDecimal(in);
        r.scoreLabel = readString(in);
        r.alert = RecordCodecs.readBudgetAlert(in);
        return r;
    }

    @Override
    public TypeSerializerSnapshot<MetricsRow> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends WireSerializer.Snapshot<MetricsRow> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
