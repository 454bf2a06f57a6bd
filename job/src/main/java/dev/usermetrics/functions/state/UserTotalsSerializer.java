package dev.usermetrics.functions.state;

import dev.usermetrics.functions.UserTotals;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The user stage's {@code totals} and {@code env-totals} values: the metrics
 * ({@link MetricsCodec}), then first/last seen and the settled times as deltas from first seen,
 * then the session count when there is one. The first byte is a flag set: state written before
 * sessions were counted has a boolean there (0 or 1), which reads as "no session count".
 */
public final class UserTotalsSerializer extends CompactStateSerializer<UserTotals> {
    private static final long serialVersionUID = 1L;
    private static final int METRICS = 1;
    private static final int SESSIONS = 1 << 1;

    @Override
    public UserTotals createInstance() {
        return new UserTotals();
    }

    @Override
    public void serialize(UserTotals t, DataOutputView out) throws IOException {
        out.writeByte((t.metrics != null ? METRICS : 0) | (t.sessionCount != 0 ? SESSIONS : 0));
        if (t.metrics != null) {
            MetricsCodec.write(out, t.metrics);
        }
        long base = t.firstSeenNanos != null ? t.firstSeenNanos : t.settledFirstNanos != null ? t.settledFirstNanos : 0;
        out.writeLong(base);
        MetricsCodec.writeNullableTime(out, t.firstSeenNanos, base);
        MetricsCodec.writeNullableTime(out, t.lastSeenNanos, base);
        MetricsCodec.writeNullableTime(out, t.settledFirstNanos, base);
        MetricsCodec.writeNullableTime(out, t.settledLastNanos, base);
        if (t.sessionCount != 0) {
            StateIo.writeSigned(out, t.sessionCount);
        }
    }

    @Override
    public UserTotals deserialize(DataInputView in) throws IOException {
        UserTotals t = new UserTotals();
        int flags = in.readUnsignedByte();
        t.metrics = (flags & METRICS) != 0 ? MetricsCodec.read(in) : null;
        long base = in.readLong();
        t.firstSeenNanos = MetricsCodec.readNullableTime(in, base);
        t.lastSeenNanos = MetricsCodec.readNullableTime(in, base);
        t.settledFirstNanos = MetricsCodec.readNullableTime(in, base);
        t.settledLastNanos = MetricsCodec.readNullableTime(in, base);
        if ((flags & SESSIONS) != 0) {
            t.sessionCount = StateIo.readSigned(in);
        }
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
