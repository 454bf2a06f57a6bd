package dev.usermetrics.functions.state;

import dev.usermetrics.records.Metrics;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** The user stage's {@code hourly} and {@code daily} bucket values ({@link MetricsCodec}). */
public final class MetricsSerializer extends CompactStateSerializer<Metrics> {
    private static final long serialVersionUID = 1L;

    @Override
    public Metrics createInstance() {
        return new Metrics();
    }

    @Override
    public void serialize(Metrics m, DataOutputView out) throws IOException {
        MetricsCodec.write(out, m);
    }

    @Override
    public Metrics deserialize(DataInputView in) throws IOException {
        return MetricsCodec.read(in);
    }

    @Override
    public TypeSerializerSnapshot<Metrics> snapshotConfiguration() {
        return new MetricsSnapshot();
    }

    /** Format version 1 (the first compact form). */
    public static final class MetricsSnapshot extends Snapshot<Metrics> {
        public MetricsSnapshot() {
            super(Metrics.class, MetricsSerializer::new);
        }
    }
}
