package dev.usermetrics.wire;

import static dev.usermetrics.wire.WireFormat.DECIMAL;
import static dev.usermetrics.wire.WireFormat.LONG;
import static dev.usermetrics.wire.WireFormat.READ_DECIMAL;
import static dev.usermetrics.wire.WireFormat.READ_LONG;
import static dev.usermetrics.wire.WireFormat.READ_STRING;
import static dev.usermetrics.wire.WireFormat.STRING;
import static dev.usermetrics.wire.WireFormat.readDecimal;
import static dev.usermetrics.wire.WireFormat.readEnum;
import static dev.usermetrics.wire.WireFormat.readMap;
import static dev.usermetrics.wire.WireFormat.readNullableLong;
import static dev.usermetrics.wire.WireFormat.readString;
import static dev.usermetrics.wire.WireFormat.writeDecimal;
import static dev.usermetrics.wire.WireFormat.writeEnum;
import static dev.usermetrics.wire.WireFormat.writeMap;
import static dev.usermetrics.wire.WireFormat.writeNullableLong;
import static dev.usermetrics.wire.WireFormat.writeString;

import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.ScoreDataType;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link IngestionEvent} on the parse → route → trace shuffles. */
public final class IngestionEventSerializer extends WireSerializer<IngestionEvent> {
    public static final IngestionEventSerializer INSTANCE = new IngestionEventSerializer();
    private static final EntityKind[] KINDS = EntityKind.values();
    private static final ScoreDataType[] SCORE_TYPES = ScoreDataType.values();

    private IngestionEventSerializer() {
        super(IngestionEvent.class);
    }

    @Override
    public IngestionEvent createInstance() {
        return new IngestionEvent();
    }

    @Override
    public void serialize(IngestionEvent e, DataOutputView out) throws IOException {
        writeString(out, e.eventId);
        out.writeLong(e.timestampNanos);
        writeString(out, e.projectId);
        writeEnum(out, e.kind);
        writeString(out, e.traceId);
        writeString(out, e.observationId);
        writeString(out, e.scoreId);
        writeNullableLong(out, e.bodyTimeNanos);
        writeString(out, e.userId);
        writeString(out, e.sessionId);
        writeString(out, e.traceName);
        writeString(out, e.environment);
        writeString(out, e.model);
        writeString(out, e.scoreName);
        writeEnum(out, e.scoreDataType);
        writeDecimal(out, e.scoreValue);
        writeString(out, e.scoreLabel);
        writeMap(out, e.usage, STRING, LONG);
        writeMap(out, e.cost, STRING, DECIMAL);
    }

    @Override
    public IngestionEvent deserialize(DataInputView in) throws IOException {
        IngestionEvent e = new IngestionEvent();
        e.eventId = readString(in);
        e.timestampNanos = in.readLong();
        e.projectId = readString(in);
        e.kind = readEnum(in, KINDS);
        e.traceId = readString(in);
        e.observationId = readString(in);
        e.scoreId = readString(in);
        e.bodyTimeNanos = readNullableLong(in);
        e.userId = readString(in);
        e.sessionId = readString(in);
        e.traceName = readString(in);
        e.environment = readString(in);
        e.model = readString(in);
        e.scoreName = readString(in);
        e.scoreDataType = readEnum(in, SCORE_TYPES);
        e.scoreValue = readDecimal(in);
        e.scoreLabel = readString(in);
        e.usage = readMap(in, READ_STRING, READ_LONG);
        e.cost = readMap(in, READ_STRING, READ_DECIMAL);
        return e;
    }

    @Override
    public TypeSerializerSnapshot<IngestionEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends WireSerializer.Snapshot<IngestionEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
