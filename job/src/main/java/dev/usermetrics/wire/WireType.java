package dev.usermetrics.wire;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.MetricsRow;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Type information that gives a record its hand-written {@link WireSerializer}. Used only for
 * streams between operators ({@code .returns(...)}, {@code transform(...)}); state descriptors keep
 * their own types, so savepoints are unaffected.
 */
public final class WireType<T> extends TypeInformation<T> {
    public static final WireType<IngestionEvent> INGESTION_EVENT = new WireType<>(IngestionEvent.class, IngestionEventSerializer.INSTANCE);
    public static final WireType<Contribution> CONTRIBUTION = new WireType<>(Contribution.class, ContributionSerializer.INSTANCE);
    public static final WireType<MetricsRow> METRICS_ROW = new WireType<>(MetricsRow.class, MetricsRowSerializer.INSTANCE);

    private final Class<T> type;
    private final TypeSerializer<T> serializer;

    private WireType(Class<T> type, TypeSerializer<T> serializer) {
        this.type = type;
        this.serializer = serializer;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return serializer;
    }

    @Override
    public String toString() {
        return "WireType<" + type.getSimpleName() + ">";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof WireType<?> w && w.type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof WireType;
    }
}
