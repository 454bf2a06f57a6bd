package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.SimpleTimerService;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.watermark.Watermark;

/**
 * The keyed process operator of a {@link FinalRows} stage: at end of input (bounded runs whose
 * stage was built with rows at end) it visits every key of the stage's state and emits that
 * key's final rows. Same state and uid as a plain {@code process(...)}, so savepoints carry over.
 *
 * <p>Also: the final watermark (end of input, or a drain) fires no timer — nothing can arrive
 * after it, so a time-driven change (a window rolling over) would only make the final state
 * depend on when the input ended, and the timers stay for a job restored from a drained
 * savepoint; and a stage that is a {@link RestoredStateUpgrade} upgrades every restored key on open.
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
    public void open() throws Exception {
        super.open();
        if (stage instanceof RestoredStateUpgrade upgrade && upgrade.needsUpgrade()) {
            // The same timer service as the function's (KeyedProcessOperator registers it under this name).
            TimerService timers = new SimpleTimerService(getInternalTimerService("user-timers", VoidNamespaceSerializer.INSTANCE, this));
            TimestampedCollector<MetricsRow> out = new TimestampedCollector<>(output);
            out.eraseTimestamp();
            long keys = forEachKey(key -> upgrade.upgradeKey(key, timers, out));
            FINAL_LOG.info("Restored state upgraded ({}) for {} keys of {}", upgrade.upgradeName(), keys, getOperatorName());
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            output.emitWatermark(mark); // no timer fires (see above)
            return;
        }
        super.processWatermark(mark);
    }

    @Override
    public void endInput() throws Exception {
        if (!rowsAtEnd) {
            return;
        }
        TimestampedCollector<MetricsRow> out = new TimestampedCollector<>(output);
        out.eraseTimestamp();
        long keys = forEachKey(key -> stage.emitFinalRows(key, out));
        FINAL_LOG.info("End of input: emitted the final rows of {} keys of {}", keys, getOperatorName());
    }

    private interface KeyAction {
        void apply(String key) throws Exception;
    }

    /** Runs the action for every key of the stage's keys state, as the current key; returns how many. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private long forEachKey(KeyAction action) throws Exception {
        long[] keys = new long[1];
        KeyedStateBackend<String> backend = getKeyedStateBackend();
        backend.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                (StateDescriptor<State, Object>) (StateDescriptor) stage.keysState(), (String key, State state) -> {
                    keys[0]++;
                    action.apply(key);
                });
        return keys[0];
    }
}
