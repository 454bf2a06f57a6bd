package dev.usermetrics.wire;

import java.util.function.Supplier;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/**
 * Base of the hand-written serializers of the records on the streams between operators. No state
 * uses them (keyed state has the compact serializers of functions/state; the row buffer's
 * operator state keeps MetricsRow inside PendingRow with Flink's PojoSerializer), so with the
 * job's aligned checkpoints their format is in no checkpoint or savepoint and can change freely
 * between versions (unaligned checkpoints would store in-flight records with them). They replace
 * Flink's reflective PojoSerializer on the job's shuffles, where it was the largest single CPU cost.
 */
abstract class WireSerializer<T> extends FormatSerializer<T> {
    private final Class<T> type;

    WireSerializer(Class<T> type) {
        this.type = type;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "<" + type.getSimpleName() + ">";
    }

    /** Snapshot of a stateless serializer: restores to a fresh instance of the same class. */
    public abstract static class Snapshot<T> extends SimpleTypeSerializerSnapshot<T> {
        protected Snapshot(Supplier<? extends TypeSerializer<T>> serializer) {
            super(serializer);
        }
    }

    @Override
    public abstract TypeSerializerSnapshot<T> snapshotConfiguration();
}
