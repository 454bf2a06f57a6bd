package dev.usermetrics.functions.state;

import dev.usermetrics.records.RowTotals;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link RowTotals} in state: the counts as signed varints, then the four decimals. */
final class RowTotalsCodec {
    private RowTotalsCodec() {}

    static void write(DataOutputView out, RowTotals t) throws IOException {
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

    static RowTotals read(DataInputView in) throws IOException {
        RowTotals t = new RowTotals();
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
}
