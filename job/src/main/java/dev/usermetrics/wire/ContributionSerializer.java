package dev.usermetrics.wire;

import static dev.usermetrics.wire.WireFormat.LONG;
import static dev.usermetrics.wire.WireFormat.READ_LONG;
import static dev.usermetrics.wire.WireFormat.READ_STRING;
import static dev.usermetrics.wire.WireFormat.STRING;
import static dev.usermetrics.wire.WireFormat.readMap;
import static dev.usermetrics.wire.WireFormat.readString;
import static dev.usermetrics.wire.WireFormat.writeMap;
import static dev.usermetrics.wire.WireFormat.writeString;

import dev.usermetrics.records.Contribution;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link Contribution} on the trace → user shuffle. */
public final class ContributionSerializer extends WireSerializer<Contribution> {
    public static final ContributionSerializer INSTANCE = new ContributionSerializer();

    private ContributionSerializer() {
        super(Contribution.class);
    }

    @Override
    public Contribution createInstance() {
        return new Contribution();
    }

    @Override
    public void serialize(Contribution c, DataOutputView out) throws IOException {
        writeString(out, c.projectId);
        writeString(out, c.userId);
        writeString(out, c.environment);
        out.writeLong(c.hourStartMillis);
        writeMap(out, c.traceTimes, LONG, LONG);
        RecordCodecs.writeMetrics(out, c.delta);
        writeMap(out, c.byModel, STRING, RecordCodecs::writeModelMetrics);
        writeMap(out, c.scores, STRING, RecordCodecs::writeScoreDelta);
        writeMap(out, c.settledTraceTimes, LONG, LONG);
        writeMap(out, c.sessions, STRING, LONG);
    }

    @Override
    public Contribution deserialize(DataInputView in) throws IOException {
        Contribution c = new Contribution();
        c.projectId = readString(in);
        c.userId = readString(in);
        c.environment = readString(in);
        c.hourStartMillis = in.readLong();
        c.traceTimes = readMap(in, READ_LONG, READ_LONG);
        c.delta = RecordCodecs.readMetrics(in);
        c.byModel = readMap(in, READ_STRING, RecordCodecs::readModelMetrics);
        c.scores = readMap(in, READ_STRING, RecordCodecs::readScoreDelta);
        c.settledTraceTimes = readMap(in, READ_LONG, READ_LONG);
        c.sessions = readMap(in, READ_STRING, READ_LONG);
        return c;
    }

    @Override
    public TypeSerializerSnapshot<Contribution> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends WireSerializer.Snapshot<Contribution> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
