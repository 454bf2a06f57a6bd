package dev.usermetrics.functions.state;

import dev.usermetrics.functions.UserWindows;
import dev.usermetrics.records.RowTotals;
import java.io.IOException;
import java.util.Map;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The user stage's {@code window-totals} value: rolledTo and the hour count, then per
 * environment a bit set of the windows present and each present window's counts (signed
 * varints) and decimals.
 */
public final class UserWindowsSerializer extends CompactStateSerializer<UserWindows> {
    private static final long serialVersionUID = 1L;

    @Override
    public UserWindows createInstance() {
        return new UserWindows();
    }

    @Override
    public void serialize(UserWindows w, DataOutputView out) throws IOException {
        out.writeLong(w.rolledTo);
        StateIo.writeVarInt(out, w.hours);
        StateIo.writeVarInt(out, w.byEnvironment.size());
        for (Map.Entry<String, RowTotals[]> e : w.byEnvironment.entrySet()) {
            StateIo.writeString(out, e.getKey());
            RowTotals[] windows = e.getValue();
            int present = 0;
            for (int i = 0; i < windows.length; i++) {
                present |= windows[i] != null ? 1 << i : 0;
            }
            StateIo.writeVarInt(out, windows.length);
            StateIo.writeVarInt(out, present);
            for (RowTotals t : windows) {
                if (t != null) {
                    RowTotalsCodec.write(out, t);
                }
            }
        }
    }

    @Override
    public UserWindows deserialize(DataInputView in) throws IOException {
        UserWindows w = new UserWindows();
        w.rolledTo = in.readLong();
        w.hours = StateIo.readVarInt(in);
        for (int n = StateIo.readVarInt(in); n > 0; n--) {
            String env = StateIo.readString(in);
            RowTotals[] windows = new RowTotals[StateIo.readVarInt(in)];
            int present = StateIo.readVarInt(in);
            for (int i = 0; i < windows.length; i++) {
                if ((present & 1 << i) != 0) {
                    windows[i] = RowTotalsCodec.read(in);
                }
            }
            w.byEnvironment.put(env, windows);
        }
        return w;
    }

    @Override
    public TypeSerializerSnapshot<UserWindows> snapshotConfiguration() {
        return new UserWindowsSnapshot();
    }

    /** Format version 1. */
    public static final class UserWindowsSnapshot extends Snapshot<UserWindows> {
        public UserWindowsSnapshot() {
            super(UserWindows.class, UserWindowsSerializer::new);
        }
    }
}
