package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.Collector;

/**
 * A keyed stage whose state, restored from an earlier version, lacks something every key must
 * have before the stage runs (it cannot wait for the key's next record: a key that gets none
 * would stay incomplete). {@link FinalRowsOperator} visits every key of {@link FinalRows#keysState}
 * once, when it opens, if the stage says so.
 */
public interface RestoredStateUpgrade {

    /** Whether the restored state needs the upgrade (known once the stage's state is initialized). */
    boolean needsUpgrade();

    /**
     * Upgrades the state of the current key (whose key string is {@code key}) and emits the rows
     * that it adds; timers: the stage's own event-time timers.
     */
    void upgradeKey(String key, TimerService timers, Collector<MetricsRow> out) throws Exception;

    /** What the upgrade did, for the log. */
    String upgradeName();
}
