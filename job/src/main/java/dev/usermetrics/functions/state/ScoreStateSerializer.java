package dev.usermetrics.functions.state;

import dev.usermetrics.functions.ScoreState;
import dev.usermetrics.records.ScoreDataType;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The compact form of a {@link ScoreState} (the trace stage's {@code scores} map values), laid
 * out as {@link ObservationStateSerializer}'s: flags, base time, {@link VersionTable}, fields.
 */
public final class ScoreStateSerializer extends CompactStateSerializer<ScoreState> {
    private static final long serialVersionUID = 1L;
    private static final int BODY_TIME = 1;
    private static final int VALUE = 1 << 1;
    private static final int DATA_TYPE = 1 << 2;
    /** The stored codes of the data types, fixed here so that reordering the enum changes nothing. */
    private static final ScoreDataType[] DATA_TYPES = {ScoreDataType.NUMERIC, ScoreDataType.BOOLEAN, ScoreDataType.CATEGORICAL};

    @Override
    public ScoreState createInstance() {
        return new ScoreState();
    }

    @Override
    public void serialize(ScoreState s, DataOutputView out) throws IOException {
        int flags = (s.bodyTimeNanos != null ? BODY_TIME : 0) | (s.value != null ? VALUE : 0)
                | (s.dataType != null ? DATA_TYPE : 0);
        out.writeByte(flags);
        long base = s.minEventTsNanos;
        out.writeLong(base);
        VersionTable v = new VersionTable(s.eventIds);
        int ver = v.ref(s.verTs, s.verId);
        int timeVer = v.ref(s.timeVerTs, s.timeVerId);
        v.write(out, base);
        StateIo.writeString(out, s.name);
        if (s.dataType != null) {
            out.writeByte(code(s.dataType));
        }
        if (s.value != null) {
            StateIo.writeDecimal(out, s.value);
        }
        StateIo.writeString(out, s.label);
        StateIo.writeVarInt(out, ver);
        if (s.bodyTimeNanos != null) {
            StateIo.writeSigned(out, s.bodyTimeNanos - base);
        }
        StateIo.writeVarInt(out, timeVer);
    }

    @Override
    public ScoreState deserialize(DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        ScoreState s = new ScoreState();
        long base = in.readLong();
        s.minEventTsNanos = base;
        VersionTable.Read v = new VersionTable.Read(in, base);
        s.eventIds = v.eventIds;
        s.name = StateIo.readString(in);
        if ((flags & DATA_TYPE) != 0) {
            int code = in.readUnsignedByte();
            if (code >= DATA_TYPES.length) {
                throw new IOException("unknown score data type code " + code);
            }
            s.dataType = DATA_TYPES[code];
        }
        if ((flags & VALUE) != 0) {
            s.value = StateIo.readDecimal(in);
        }
        s.label = StateIo.readString(in);
        int ver = StateIo.readVarInt(in);
        s.verTs = v.ts(ver);
        s.verId = v.id(ver);
        if ((flags & BODY_TIME) != 0) {
            s.bodyTimeNanos = base + StateIo.readSigned(in);
        }
        int timeVer = StateIo.readVarInt(in);
        s.timeVerTs = v.ts(timeVer);
        s.timeVerId = v.id(timeVer);
        return s;
    }

    private static int code(ScoreDataType t) {
        for (int i = 0; i < DATA_TYPES.length; i++) {
            if (DATA_TYPES[i] == t) {
                return i;
            }
        }
        throw new IllegalArgumentException("no stored code for score data type " + t);
    }

    @Override
    public TypeSerializerSnapshot<ScoreState> snapshotConfiguration() {
        return new ScoreStateSnapshot();
    }

    /** Format version 1 (the first compact form). */
    public static final class ScoreStateSnapshot extends Snapshot<ScoreState> {
        public ScoreStateSnapshot() {
            super(ScoreState.class, ScoreStateSerializer::new);
        }
    }
}
