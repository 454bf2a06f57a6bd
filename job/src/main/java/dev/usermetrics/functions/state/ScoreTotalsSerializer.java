package dev.usermetrics.functions.state;

import dev.usermetrics.records.ScoreTotals;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** The user stage's {@code scores} values: count, value sum, label counts, latest times. */
public final class ScoreTotalsSerializer extends CompactStateSerializer<ScoreTotals> {
    private static final long serialVersionUID = 1L;

    @Override
    public ScoreTotals createInstance() {
        return new ScoreTotals();
    }

    @Override
    public void serialize(ScoreTotals s, DataOutputView out) throws IOException {
        StateIo.writeSigned(out, s.count);
        MetricsCodec.writeNullableDecimal(out, s.valueSum);
        out.writeBoolean(s.labels != null);
        if (s.labels != null) {
            StateIo.writeLongMap(out, s.labels);
        }
        long base = s.lastScoreAtNanos != null ? s.lastScoreAtNanos : s.settledLastNanos != null ? s.settledLastNanos : 0;
        out.writeLong(base);
        MetricsCodec.writeNullableTime(out, s.lastScoreAtNanos, base);
        MetricsCodec.writeNullableTime(out, s.settledLastNanos, base);
    }

    @Override
    public ScoreTotals deserialize(DataInputView in) throws IOException {
        ScoreTotals s = new ScoreTotals();
        s.count = StateIo.readSigned(in);
        s.valueSum = MetricsCodec.readNullableDecimal(in);
        s.labels = in.readBoolean() ? StateIo.readLongMap(in) : null;
        long base = in.readLong();
        s.lastScoreAtNanos = MetricsCodec.readNullableTime(in, base);
        s.settledLastNanos = MetricsCodec.readNullableTime(in, base);
        return s;
    }

    @Override
    public TypeSerializerSnapshot<ScoreTotals> snapshotConfiguration() {
        return new ScoreTotalsSnapshot();
    }

    /** Format version 1 (the first compact form). */
    public static final class ScoreTotalsSnapshot extends Snapshot<ScoreTotals> {
        public ScoreTotalsSnapshot() {
            super(ScoreTotals.class, ScoreTotalsSerializer::new);
        }
    }
}
