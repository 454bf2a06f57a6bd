package dev.usermetrics.functions.state;

import dev.usermetrics.records.ModelMetrics;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** The user stage's {@code model-daily} values: counts as variable-length integers, then the costs. */
public final class ModelMetricsSerializer extends CompactStateSerializer<ModelMetrics> {
    private static final long serialVersionUID = 1L;

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
        MetricsCodec.writeNullableDecimal(out, m.inputCost);
        MetricsCodec.writeNullableDecimal(out, m.outputCost);
        MetricsCodec.writeNullableDecimal(out, m.totalCost);
        MetricsCodec.writeNullableDecimal(out, m.calculatedTotalCost);
    }

    @Override
    public ModelMetrics deserialize(DataInputView in) throws IOException {
        ModelMetrics m = new ModelMetrics();
        m.observations = StateIo.readSigned(in);
        m.inputTokens = StateIo.readSigned(in);
        m.outputTokens = StateIo.readSigned(in);
        m.totalTokens = StateIo.readSigned(in);
        m.unpricedObservations = StateIo.readSigned(in);
        m.inputCost = MetricsCodec.readNullableDecimal(in);
        m.outputCost = MetricsCodec.readNullableDecimal(in);
        m.totalCost = MetricsCodec.readNullableDecimal(in);
        m.calculatedTotalCost = MetricsCodec.readNullableDecimal(in);
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
