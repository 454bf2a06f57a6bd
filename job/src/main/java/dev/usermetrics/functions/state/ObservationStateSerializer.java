package dev.usermetrics.functions.state;

import dev.usermetrics.functions.ObservationState;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The compact form of an {@link ObservationState} (the trace stage's {@code observations} map
 * values): flags, a base time (its earliest event timestamp), the {@link VersionTable}, then
 * each field, timestamps as deltas from the base. About a third of the POJO form's size.
 */
public final class ObservationStateSerializer extends CompactStateSerializer<ObservationState> {
    private static final long serialVersionUID = 1L;
    private static final int START = 1;
    private static final int USAGE = 1 << 1;
    private static final int COST = 1 << 2;
    private static final int CALCULATED = 1 << 3;
    private static final int UNPRICED = 1 << 4;

    @Override
    public ObservationState createInstance() {
        return new ObservationState();
    }

    @Override
    public void serialize(ObservationState o, DataOutputView out) throws IOException {
        int flags = (o.startTimeNanos != null ? START : 0) | (o.usage != null ? USAGE : 0) | (o.cost != null ? COST : 0)
                | (o.calculatedCost != null ? CALCULATED : 0) | (o.unpriced ? UNPRICED : 0);
        out.writeByte(flags);
        long base = o.minEventTsNanos;
        out.writeLong(base);
        VersionTable v = new VersionTable(o.eventIds);
        int start = v.ref(o.startVerTs, o.startVerId);
        int user = v.ref(o.user);
        int environment = v.ref(o.environment);
        int model = v.ref(o.model);
        int usage = v.ref(o.usageVerTs, o.usageVerId);
        int cost = v.ref(o.costVerTs, o.costVerId);
        v.write(out, base);
        if (o.startTimeNanos != null) {
            StateIo.writeSigned(out, o.startTimeNanos - base);
        }
        StateIo.writeVarInt(out, start);
        VersionTable.writeLww(out, o.user, user);
        VersionTable.writeLww(out, o.environment, environment);
        VersionTable.writeLww(out, o.model, model);
        if (o.usage != null) {
            StateIo.writeLongMap(out, o.usage);
        }
        StateIo.writeVarInt(out, usage);
        if (o.cost != null) {
            StateIo.writeDecimalMap(out, o.cost);
        }
        StateIo.writeVarInt(out, cost);
        if (o.calculatedCost != null) {
            StateIo.writeDecimalMap(out, o.calculatedCost);
        }
    }

    @Override
    public ObservationState deserialize(DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        ObservationState o = new ObservationState();
        long base = in.readLong();
        o.minEventTsNanos = base;
        VersionTable.Read v = new VersionTable.Read(in, base);
        o.eventIds = v.eventIds;
        if ((flags & START) != 0) {
            o.startTimeNanos = base + StateIo.readSigned(in);
        }
        int start = StateIo.readVarInt(in);
        o.startVerTs = v.ts(start);
        o.startVerId = v.id(start);
        o.user = v.readLww(in);
        o.environment = v.readLww(in);
        o.model = v.readLww(in);
        if ((flags & USAGE) != 0) {
            o.usage = StateIo.readLongMap(in);
        }
        int usage = StateIo.readVarInt(in);
        o.usageVerTs = v.ts(usage);
        o.usageVerId = v.id(usage);
        if ((flags & COST) != 0) {
            o.cost = StateIo.readDecimalMap(in);
        }
        int cost = StateIo.readVarInt(in);
        o.costVerTs = v.ts(cost);
        o.costVerId = v.id(cost);
        if ((flags & CALCULATED) != 0) {
            o.calculatedCost = StateIo.readDecimalMap(in);
        }
        o.unpriced = (flags & UNPRICED) != 0;
        return o;
    }

    @Override
    public TypeSerializerSnapshot<ObservationState> snapshotConfiguration() {
        return new ObservationStateSnapshot();
    }

    /** Format version 1 (the first compact form). */
    public static final class ObservationStateSnapshot extends Snapshot<ObservationState> {
        public ObservationStateSnapshot() {
            super(ObservationState.class, ObservationStateSerializer::new);
        }
    }
}
