package dev.usermetrics.functions.state;

import dev.usermetrics.budgets.BudgetAlert;
import dev.usermetrics.budgets.UserBudgets;
import dev.usermetrics.records.RowTotals;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The budget stage's {@code user-budgets} value ({@link UserBudgets}): the calendar day, the window totals (traces,
 * observations, total tokens as signed varints, total cost), the days of the latest month, then
 * the alert states, each with its firing alert when there is one.
 */
public final class UserBudgetsSerializer extends CompactStateSerializer<UserBudgets> {
    private static final long serialVersionUID = 1L;

    @Override
    public UserBudgets createInstance() {
        return new UserBudgets();
    }

    @Override
    public void serialize(UserBudgets u, DataOutputView out) throws IOException {
        out.writeLong(u.calendarDay);
        writeTotals(out, u.totals);
        StateIo.writeVarInt(out, u.days.size());
        for (Map.Entry<Long, Map<String, RowTotals>> d : u.days.entrySet()) {
            StateIo.writeSigned(out, d.getKey());
            writeTotals(out, d.getValue());
        }
        StateIo.writeVarInt(out, u.alerts.size());
        for (Map.Entry<String, UserBudgets.AlertState> e : u.alerts.entrySet()) {
            UserBudgets.AlertState s = e.getValue();
            StateIo.writeString(out, e.getKey());
            StateIo.writeString(out, s.shape);
            writeNullableLong(out, s.windowStartMillis);
            StateIo.writeVarInt(out, s.crossings);
            out.writeBoolean(s.open != null);
            if (s.open != null) {
                writeAlert(out, s.open);
            }
        }
    }

    @Override
    public UserBudgets deserialize(DataInputView in) throws IOException {
        UserBudgets u = new UserBudgets();
        u.calendarDay = in.readLong();
        readTotals(in, u.totals);
        for (int n = StateIo.readVarInt(in); n > 0; n--) {
            long day = StateIo.readSigned(in);
            Map<String, RowTotals> envs = new HashMap<>();
            readTotals(in, envs);
            u.days.put(day, envs);
        }
        for (int n = StateIo.readVarInt(in); n > 0; n--) {
            String key = StateIo.readString(in);
            UserBudgets.AlertState s = new UserBudgets.AlertState();
            s.shape = StateIo.readString(in);
            s.windowStartMillis = readNullableLong(in);
            s.crossings = StateIo.readVarInt(in);
            if (in.readBoolean()) {
                s.open = readAlert(in);
            }
            u.alerts.put(key, s);
        }
        return u;
    }

    private static void writeTotals(DataOutputView out, Map<String, RowTotals> m) throws IOException {
        StateIo.writeVarInt(out, m.size());
        for (Map.Entry<String, RowTotals> e : m.entrySet()) {
            StateIo.writeString(out, e.getKey());
            RowTotals t = e.getValue();
            StateIo.writeSigned(out, t.traces);
            StateIo.writeSigned(out, t.observations);
            StateIo.writeSigned(out, t.totalTokens);
            StateIo.writeDecimal(out, t.totalCost);
        }
    }

    private static void readTotals(DataInputView in, Map<String, RowTotals> into) throws IOException {
        for (int n = StateIo.readVarInt(in); n > 0; n--) {
            String key = StateIo.readString(in);
            RowTotals t = new RowTotals();
            t.traces = StateIo.readSigned(in);
            t.observations = StateIo.readSigned(in);
            t.totalTokens = StateIo.readSigned(in);
            t.totalCost = StateIo.readDecimal(in);
            into.put(key, t);
        }
    }

    private static void writeAlert(DataOutputView out, BudgetAlert a) throws IOException {
        StateIo.writeId(out, a.alertId);
        StateIo.writeString(out, a.projectId);
        StateIo.writeString(out, a.userId);
        StateIo.writeString(out, a.budgetId);
        StateIo.writeDecimal(out, a.threshold);
        writeNullableLong(out, a.windowStartMillis);
        StateIo.writeVarInt(out, a.crossing);
        StateIo.writeString(out, a.state);
        StateIo.writeString(out, a.measure);
        StateIo.writeString(out, a.window);
        StateIo.writeString(out, a.environment);
        StateIo.writeDecimal(out, a.limit);
        StateIo.writeDecimal(out, a.thresholdValue);
        StateIo.writeDecimal(out, a.valueAtCrossing);
        out.writeLong(a.crossedAtMillis);
        out.writeBoolean(a.valueAtResolution != null);
        if (a.valueAtResolution != null) {
            StateIo.writeDecimal(out, a.valueAtResolution);
        }
        writeNullableLong(out, a.resolvedAtMillis);
    }

    private static BudgetAlert readAlert(DataInputView in) throws IOException {
        BudgetAlert a = new BudgetAlert();
        a.alertId = StateIo.readId(in);
        a.projectId = StateIo.readString(in);
        a.userId = StateIo.readString(in);
        a.budgetId = StateIo.readString(in);
        a.threshold = StateIo.readDecimal(in);
        a.windowStartMillis = readNullableLong(in);
        a.crossing = StateIo.readVarInt(in);
        a.state = StateIo.readString(in);
        a.measure = StateIo.readString(in);
        a.window = StateIo.readString(in);
        a.environment = StateIo.readString(in);
        a.limit = StateIo.readDecimal(in);
        a.thresholdValue = StateIo.readDecimal(in);
        a.valueAtCrossing = StateIo.readDecimal(in);
        a.crossedAtMillis = in.readLong();
        BigDecimal resolved = in.readBoolean() ? StateIo.readDecimal(in) : null;
        a.valueAtResolution = resolved;
        a.resolvedAtMillis = readNullableLong(in);
        return a;
    }

    private static void writeNullableLong(DataOutputView out, Long v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeLong(v);
        }
    }

    private static Long readNullableLong(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    @Override
    public TypeSerializerSnapshot<UserBudgets> snapshotConfiguration() {
        return new UserBudgetsSnapshot();
    }

    /** Format version 1. */
    public static final class UserBudgetsSnapshot extends Snapshot<UserBudgets> {
        public UserBudgetsSnapshot() {
            super(UserBudgets.class, UserBudgetsSerializer::new);
        }
    }
}
