package dev.usermetrics.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/**
 * The one way tests look at what the code under test keeps to itself: the keyed state of an
 * operator in a Flink test harness, and the fields a class declares. A test that needs to see
 * more adds it here rather than digging on its own.
 */
public final class PrivateState {
    private PrivateState() {}

    /**
     * The state of {@code descriptor} under {@code key} in the harness's operator, in the
     * VoidNamespace (where the functions register their state). Makes {@code key} the backend's
     * current key, as processing an element of that key would.
     */
    public static <S extends State> S keyed(AbstractStreamOperatorTestHarness<?> harness, Object key,
            StateDescriptor<S, ?> descriptor) throws Exception {
        KeyedStateBackend<Object> backend = harness.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(key);
        return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
    }

    /**
     * The keyed state entries the harness's operator holds, over all keys and states (the
     * harnesses' heap backend): 0 means every key's state is gone.
     */
    public static int keyedEntries(AbstractStreamOperatorTestHarness<?> harness) {
        return ((HeapKeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend()).numKeyValueStateEntries();
    }

    /** The names of the instance (non-static) fields {@code type} declares, private ones included. */
    public static List<String> instanceFields(Class<?> type) {
        return Arrays.stream(type.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers())).map(Field::getName)
                .toList();
    }
}
