package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;

/**
 * The keyed process operator of a {@link FinalRows} stage: at end of input (bounded runs whose
 * stage was built with rows at end) it visits every key of the stage's state and emits that
 * key's final rows. Same state and uid as a plain {@code process(...)}, so savepoints carry over.
 */
public class FinalRowsOperator<IN, F extends KeyedProcessFunction<String, IN, MetricsRow> & FinalRows>
        extends KeyedProcessOperator<String, IN, MetricsRow> implements BoundedOneInput {

    private static final org.slf4j.Logger FINAL_LOG = org.slf4j.LoggerFactory.getLogger(FinalRowsOperator.class);

    private final F stage;
    private final boolean rowsAtEnd;

    public FinalRowsOperator(F stage, boolean rowsAtEnd) {
        super(stage);
        this.stage = stage;
        this.rowsAtEnd = rowsAtEnd;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void endInput() throws Exception {
        if (!rowsAtEnd) {
            return;
        }
        TimestampedCollector<MetricsRow> out = new TimestampedCollector<>(output);
        out.eraseTimestamp();
        long[] keys = new long[1];
        KeyedStateBackend<String> backend = getKeyedStateBackend();
        backend.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                (StateDescriptor<State, Object>) (StateDescriptor) stage.keysState(), (String key, State state) -> {
                    keys[0]++;
                    stage.emitFinalRows(key, out);
                });
        FINAL_LOG.info("End of input: emitted the final rows of {} keys of {}", keys[0], getOperatorName());
    }
}
