package dev.usermetrics.functions.state;

import dev.usermetrics.wire.FormatSerializer;
import java.util.function.Supplier;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;

/**
 * What the keyed state's compact serializers share besides {@link FormatSerializer}: they take
 * over state that Flink's POJO serializer wrote for the same class (layout v3) by migration —
 * Flink reads each value with the restored POJO serializer and writes it with this one.
 */
public abstract class CompactStateSerializer<T> extends FormatSerializer<T> {
    private static final long serialVersionUID = 1L;

    /**
     * The snapshot of a compact serializer: compatible as is with its own snapshots, after
     * migration with the POJO serializer's snapshot of the same class.
     */
    public abstract static class Snapshot<T> extends SimpleTypeSerializerSnapshot<T> {
        private final Class<T> type;

        protected Snapshot(Class<T> type, Supplier<? extends TypeSerializer<T>> serializer) {
            super(serializer);
            this.type = type;
        }

        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
            if (old instanceof PojoSerializerSnapshot && old.restoreSerializer().createInstance().getClass() == type) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            return super.resolveSchemaCompatibility(old);
        }
    }
}
