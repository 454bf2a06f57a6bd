package dev.usermetrics.functions.state;

import dev.usermetrics.functions.UserWindows;
import dev.usermetrics.functions.WindowTotals;
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
        for (Map.Entry<String, WindowTotals[]> e : w.byEnvironment.entrySet()) {
            StateIo.writeString(out, e.getKey());
            WindowTotals[] windows = e.getValue();
            int present = 0;
            for (int i = 0; i < windows.length; i++) {
                present |= windows[i] != null ? 1 << i : 0;
            }
            StateIo.writeVarInt(out, windows.length);
            StateIo.writeVarInt(out, present);
            for (WindowTotals t : windows) {
                if (t != null) {
                    write(out, t);
                }
            }
        }
    }

    private static void write(DataOutputView out, WindowTotals t) throws IOException {
        StateIo.writeSigned(out, t.traces);
        StateIo.writeSigned(out, t.observations);
        StateIo.writeSigned(out, t.scores);
        StateIo.writeSigned(out, t.inputTokens);
        StateIo.writeSigned(out, t.outputTokens);
        StateIo.writeSigned(out, t.totalTokens);
        StateIo.writeDecimal(out, t.inputCost);
        StateIo.writeDecimal(out, t.outputCost);
        StateIo.writeDecimal(out, t.totalCost);
        StateIo.writeDecimal(out, t.calculatedTotalCost);
    }

    @Override
    public UserWindows deserialize(DataInputView in) throws IOException {
        UserWindows w = new UserWindows();
        w.rolledTo = in.readLong();
        w.hours = StateIo.readVarInt(in);
        for (int n = StateIo.readVarInt(in); n > 0; n--) {
            String env = StateIo.readString(in);
            WindowTotals[] windows = new WindowTotals[StateIo.readVarInt(in)];
            int present = StateIo.readVarInt(in);
            for (int i = 0; i < windows.length; i++) {
                if ((present & 1 << i) != 0) {
                    windows[i] = read(in);
                }
            }
            w.byEnvironment.put(env, windows);
        }
        return w;
    }

    private static WindowTotals read(DataInputView in) throws IOException {
        WindowTotals t = new WindowTotals();
        t.traces = StateIo.readSigned(in);
        t.observations = StateIo.readSigned(in);
        t.scores = StateIo.readSigned(in);
        t.inputTokens = StateIo.readSigned(in);
        t.outputTokens = StateIo.readSigned(in);
        t.totalTokens = StateIo.readSigned(in);
        t.inputCost = StateIo.readDecimal(in);
        t.outputCost = StateIo.readDecimal(in);
        t.totalCost = StateIo.readDecimal(in);
        t.calculatedTotalCost = StateIo.readDecimal(in);
        return t;
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
