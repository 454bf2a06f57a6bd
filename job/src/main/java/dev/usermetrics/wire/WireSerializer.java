package dev.usermetrics.wire;

import java.util.function.Supplier;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/**
 * Base of the hand-written serializers for records that only travel between operators (never
 * stored in keyed state, so their format can change freely between versions). They replace Flink's
 * reflective PojoSerializer on the job's shuffles, where it was the largest single CPU cost.
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
