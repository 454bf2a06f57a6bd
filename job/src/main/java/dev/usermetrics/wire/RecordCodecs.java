package dev.usermetrics.wire;

import static dev.usermetrics.wire.WireFormat.DECIMAL;
import static dev.usermetrics.wire.WireFormat.LONG;
import static dev.usermetrics.wire.WireFormat.READ_DECIMAL;
import static dev.usermetrics.wire.WireFormat.READ_LONG;
import static dev.usermetrics.wire.WireFormat.READ_STRING;
import static dev.usermetrics.wire.WireFormat.STRING;
import static dev.usermetrics.wire.WireFormat.readDecimal;
import static dev.usermetrics.wire.WireFormat.readMap;
import static dev.usermetrics.wire.WireFormat.readNullableLong;
import static dev.usermetrics.wire.WireFormat.writeDecimal;
import static dev.usermetrics.wire.WireFormat.writeMap;
import static dev.usermetrics.wire.WireFormat.writeNullableLong;
import static dev.usermetrics.wire.WireFormat.readString;
import static dev.usermetrics.wire.WireFormat.writeString;

import dev.usermetrics.budgets.BudgetAlert;

import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.ScoreDelta;
import dev.usermetrics.records.RowTotals;
import dev.usermetrics.records.ScoreTotals;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Encodings of the value types nested in the wire records. Each writes a presence flag first,
 * so a null field stays null. A field added to one of these classes must be added here; the
 * round-trip tests (WireSerializersTest) fail until it is.
 */
final class RecordCodecs {
    private RecordCodecs() {}

    static void writeMetrics(DataOutputView out, Metrics m) throws IOException {
        out.writeBoolean(m != null);
        if (m == null) {
            return;
        }
        out.writeLong(m.traces);
        out.writeLong(m.observations);
        out.writeLong(m.scores);
        writeMap(out, m.usage, STRING, LONG);
        writeMap(out, m.usageKeyCount, STRING, LONG);
        out.writeLong(m.totalTokens);
        writeMap(out, m.cost, STRING, DECIMAL);
        writeMap(out, m.costKeyCount, STRING, LONG);
        writeDecimal(out, m.totalCost);
        writeDecimal(out, m.calculatedTotalCost);
    }

    static Metrics readMetrics(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        Metrics m = new Metrics();
        m.traces = in.readLong();
        m.observations = in.readLong();
        m.scores = in.readLong();
        m.usage = readMap(in, READ_STRING, READ_LONG);
        m.usageKeyCount = readMap(in, READ_STRING, READ_LONG);
        m.totalTokens = in.readLong();
        m.cost = readMap(in, READ_STRING, READ_DECIMAL);
        m.costKeyCount = readMap(in, READ_STRING, READ_LONG);
        m.totalCost = readDecimal(in);
        m.calculatedTotalCost = readDecimal(in);
        return m;
    }

    static void writeModelMetrics(DataOutputView out, ModelMetrics m) throws IOException {
        out.writeBoolean(m != null);
        if (m == null) {
            return;
        }
        out.writeLong(m.observations);
        out.writeLong(m.inputTokens);
        out.writeLong(m.outputTokens);
        out.writeLong(m.totalTokens);
        writeDecimal(out, m.inputCost);
        writeDecimal(out, m.outputCost);
        writeDecimal(out, m.totalCost);
        writeDecimal(out, m.calculatedTotalCost);
        out.writeLong(m.unpricedObservations);
        out.writeLong(m.traces);
    }

    static ModelMetrics readModelMetrics(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        ModelMetrics m = new ModelMetrics();
        m.observations = in.readLong();
        m.inputTokens = in.readLong();
        m.outputTokens = in.readLong();
        m.totalTokens = in.readLong();
        m.inputCost = readDecimal(in);
        m.outputCost = readDecimal(in);
        m.totalCost = readDecimal(in);
        m.calculatedTotalCost = readDecimal(in);
        m.unpricedObservations = in.readLong();
        m.traces = in.readLong();
        return m;
    }

    static void writeScoreDelta(DataOutputView out, ScoreDelta d) throws IOException {
        out.writeBoolean(d != null);
        if (d == null) {
            return;
        }
        out.writeLong(d.count);
        writeDecimal(out, d.valueSum);
        writeMap(out, d.labels, STRING, LONG);
        writeMap(out, d.times, LONG, LONG);
        writeMap(out, d.settledTimes, LONG, LONG);
    }

    static ScoreDelta readScoreDelta(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        ScoreDelta d = new ScoreDelta();
        d.count = in.readLong();
        d.valueSum = readDecimal(in);
        d.labels = readMap(in, READ_STRING, READ_LONG);
        d.times = readMap(in, READ_LONG, READ_LONG);
        d.settledTimes = readMap(in, READ_LONG, READ_LONG);
        return d;
    }

    static void writeScoreTotals(DataOutputView out, ScoreTotals s) throws IOException {
        out.writeBoolean(s != null);
        if (s == null) {
            return;
        }
        out.writeLong(s.count);
        writeDecimal(out, s.valueSum);
        writeMap(out, s.labels, STRING, LONG);
        writeNullableLong(out, s.lastScoreAtNanos);
        writeNullableLong(out, s.settledLastNanos);
    }

    static ScoreTotals readScoreTotals(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        ScoreTotals s = new ScoreTotals();
        s.count = in.readLong();
        s.valueSum = readDecimal(in);
        s.labels = readMap(in, READ_STRING, READ_LONG);
        s.lastScoreAtNanos = readNullableLong(in);
        s.settledLastNanos = readNullableLong(in);
        return s;
    }

    static void writeBudgetAlert(DataOutputView out, BudgetAlert a) throws IOException {
        out.writeBoolean(a != null);
        if (a == null) {
            return;
        }
        writeString(out, a.alertId);
        writeString(out, a.projectId);
        writeString(out, a.userId);
        writeString(out, a.budgetId);
        writeDecimal(out, a.threshold);
        writeNullableLong(out, a.windowStartMillis);
        out.writeInt(a.crossing);
        writeString(out, a.state);
        writeString(out, a.measure);
        writeString(out, a.window);
        writeString(out, a.environment);
        writeDecimal(out, a.limit);
        writeDecimal(out, a.thresholdValue);
        writeDecimal(out, a.valueAtCrossing);
        out.writeLong(a.crossedAtMillis);
        writeDecimal(out, a.valueAtResolution);
        writeNullableLong(out, a.resolvedAtMillis);
    }

    static BudgetAlert readBudgetAlert(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        BudgetAlert a = new BudgetAlert();
        a.alertId = readString(in);
        a.projectId = readString(in);
        a.userId = readString(in);
        a.budgetId = readString(in);
        a.threshold = readDecimal(in);
        a.windowStartMillis = readNullableLong(in);
        a.crossing = in.readInt();
        a.state = readString(in);
        a.measure = readString(in);
        a.window = readString(in);
        a.environment = readString(in);
        a.limit = readDecimal(in);
        a.thresholdValue = readDecimal(in);
        a.valueAtCrossing = readDecimal(in);
        a.crossedAtMillis = in.readLong();
        a.valueAtResolution = readDecimal(in);
        a.resolvedAtMillis = readNullableLong(in);
        return a;
    }

    static void writeRowTotals(DataOutputView out, RowTotals t) throws IOException {
        out.writeBoolean(t != null);
        if (t == null) {
            return;
        }
        out.writeLong(t.traces);
        out.writeLong(t.observations);
        out.writeLong(t.scores);
        out.writeLong(t.inputTokens);
        out.writeLong(t.outputTokens);
        out.writeLong(t.totalTokens);
        writeDecimal(out, t.inputCost);
        writeDecimal(out, t.outputCost);
        writeDecimal(out, t.totalCost);
        writeDecimal(out, t.calculatedTotalCost);
    }

    static RowTotals readRowTotals(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        RowTotals t = new RowTotals();
        t.traces = in.readLong();
        t.observations = in.readLong();
        t.scores = in.readLong();
        t.inputTokens = in.readLong();
        t.outputTokens = in.readLong();
        t.totalTokens = in.readLong();
        t.inputCost = readDecimal(in);
        t.outputCost = readDecimal(in);
        t.totalCost = readDecimal(in);
        t.calculatedTotalCost = readDecimal(in);
        return t;
    }
}
