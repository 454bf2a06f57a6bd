package dev.usermetrics.functions.state;

import dev.usermetrics.functions.UserTotals;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The user stage's {@code totals} and {@code env-totals} values: the metrics
 * ({@link MetricsCodec}), then first/last seen and the settled times as deltas from first seen.
 */
public final class UserTotalsSerializer extends CompactStateSerializer<UserTotals> {
    private static final long serialVersionUID = 1L;

    @Override
    public UserTotals createInstance() {
        return new UserTotals();
    }

    @Override
    public void serialize(UserTotals t, DataOutputView out) throws IOException {
        out.writeBoolean(t.metrics != null);
        if (t.metrics != null) {
            MetricsCodec.write(out, t.metrics);
        }
        long base = t.firstSeenNanos != null ? t.firstSeenNanos : t.settledFirstNanos != null ? t.settledFirstNanos : 0;
        out.writeLong(base);
        MetricsCodec.writeNullableTime(out, t.firstSeenNanos, base);
        MetricsCodec.writeNullableTime(out, t.lastSeenNanos, base);
        MetricsCodec.writeNullableTime(out, t.settledFirstNanos, base);
        MetricsCodec.writeNullableTime(out, t.settledLastNanos, base);
    }

    @Override
    public UserTotals deserialize(DataInputView in) throws IOException {
        UserTotals t = new UserTotals();
        t.metrics = in.readBoolean() ? MetricsCodec.read(in) : null;
        long base = in.readLong();
        t.firstSeenNanos = MetricsCodec.readNullableTime(in, base);
        t.lastSeenNanos = MetricsCodec.readNullableTime(in, base);
        t.settledFirstNanos = MetricsCodec.readNullableTime(in, base);
        t.settledLastNanos = MetricsCodec.readNullableTime(in, base);
        return t;
    }

    @Override
    public TypeSerializerSnapshot<UserTotals> snapshotConfiguration() {
        return new UserTotalsSnapshot();
    }

    /** Format version 1 (the first compact form). */
    public static final class UserTotalsSnapshot extends Snapshot<UserTotals> {
        public UserTotalsSnapshot() {
            super(UserTotals.class, UserTotalsSerializer::new);
        }
    }
}
