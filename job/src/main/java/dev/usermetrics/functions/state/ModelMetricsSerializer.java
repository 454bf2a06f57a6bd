package dev.usermetrics.functions.state;

import dev.usermetrics.records.ModelMetrics;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The user stage's {@code model-daily} values: counts as variable-length integers, then the costs,
 * then the trace count when there is one. The byte before the first cost is a flag set: state
 * written before traces were counted has a boolean there (its cost is present), which reads as
 * "no trace count".
 */
public final class ModelMetricsSerializer extends CompactStateSerializer<ModelMetrics> {
    private static final long serialVersionUID = 1L;
    private static final int INPUT_COST = 1;
    private static final int TRACES = 1 << 1;

    @Override
    public ModelMetrics createInstance() {
        return new ModelMetrics();
    }

    @Override
    public void serialize(ModelMetrics m, DataOutputView out) throws IOException {
        StateIo.writeSigned(out, m.observations);
        StateIo.writeSigned(out, m.inputTokens);
        StateIo.writeSigned(out, m.outputTokens);
        StateIo.writeSigned(out, m.totalTokens);
        StateIo.writeSigned(out, m.unpricedObservations);
        out.writeByte((m.inputCost != null ? INPUT_COST : 0) | (m.traces != 0 ? TRACES : 0));
        if (m.inputCost != null) {
            StateIo.writeDecimal(out, m.inputCost);
        }
        MetricsCodec.writeNullableDecimal(out, m.outputCost);
        MetricsCodec.writeNullableDecimal(out, m.totalCost);
        MetricsCodec.writeNullableDecimal(out, m.calculatedTotalCost);
        if (m.traces != 0) {
            StateIo.writeSigned(out, m.traces);
        }
    }

    @Override
    public ModelMetrics deserialize(DataInputView in) throws IOException {
        ModelMetrics m = new ModelMetrics();
        m.observations = StateIo.readSigned(in);
        m.inputTokens = StateIo.readSigned(in);
        m.outputTokens = StateIo.readSigned(in);
        m.totalTokens = StateIo.readSigned(in);
        m.unpricedObservations = StateIo.readSigned(in);
        int flags = in.readUnsignedByte();
        m.inputCost = (flags & INPUT_COST) != 0 ? StateIo.readDecimal(in) : null;
        m.outputCost = MetricsCodec.readNullableDecimal(in);
        m.totalCost = MetricsCodec.readNullableDecimal(in);
        m.calculatedTotalCost = MetricsCodec.readNullableDecimal(in);
        if ((flags & TRACES) != 0) {
            m.traces = StateIo.readSigned(in);
        }
        return m;
    }

    @Override
    public TypeSerializerSnapshot<ModelMetrics> snapshotConfiguration() {
        return new ModelMetricsSnapshot();
    }

    /** Format version 1 (the first compact form). */
    public static final class ModelMetricsSnapshot extends Snapshot<ModelMetrics> {
        public ModelMetricsSnapshot() {
            super(ModelMetrics.class, ModelMetricsSerializer::new);
        }
    }
}
