package dev.usermetrics.config;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;

/**
 * The Flink settings the job relies on wherever it runs, defined once: a local MiniCluster run
 * applies them ({@code UserMetricsJob.flinkConfiguration}), and {@code local-cluster/bin/up}
 * writes them into the standalone cluster's config.yaml by running this class's {@link #main}.
 */
public final class FlinkSettings {
    /** Managed (RocksDB) memory per task slot. */
    public static final MemorySize MANAGED_MEMORY_PER_SLOT = MemorySize.parse("512m");

    /** One setting and why the job needs it (written as a comment into config.yaml). */
    record Setting<T>(ConfigOption<T> option, T value, String why) {
        void applyTo(Configuration conf) {
            conf.set(option, value);
        }
    }

    private FlinkSettings() {}

    /** The settings for a process with {@code slots} task slots (a MiniCluster run: its parallelism). */
    static List<Setting<?>> settings(int slots) {
        List<Setting<?>> s = new ArrayList<>();
        s.add(new Setting<>(StateBackendOptions.STATE_BACKEND, "rocksdb",
                "state outgrows the heap (one entry per trace, user and time bucket)"));
        s.add(new Setting<>(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true,
                "a checkpoint uploads the RocksDB files written since the last one, not all state"));
        s.add(new Setting<>(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION,
                "a cancelled job can be resubmitted from its last checkpoint (docs/operations.md)"));
        s.add(new Setting<>(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true,
                "most state reads miss (a new observation, a new trace); without bloom filters each miss searches "
                        + "every level-0 file (docs/benchmarks.md)"));
        s.add(new Setting<>(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay",
                "a failing sink or broker is retried with growing pauses, without a restart limit"));
        s.add(new Setting<>(TaskManagerOptions.MANAGED_MEMORY_SIZE, MANAGED_MEMORY_PER_SLOT.multiply(slots),
                "per slot: with less, RocksDB's block cache cannot keep the index and filter blocks and state access "
                        + "slows as state grows; a run at parallelism 2 must not halve each RocksDB's memory "
                        + "(docs/benchmarks.md)"));
        return s;
    }

    /** The settings as a Flink configuration. */
    public static Configuration forSlots(int slots) {
        Configuration conf = new Configuration();
        settings(slots).forEach(s -> s.applyTo(conf));
        return conf;
    }

    /** The settings as config.yaml lines (flat keys, each with its reason as a comment). */
    static String yaml(int slots) {
        StringBuilder b = new StringBuilder();
        for (Setting<?> s : settings(slots)) {
            Configuration one = new Configuration();
            s.applyTo(one);
            b.append("# ").append(s.why()).append('\n');
            b.append(s.option().key()).append(": ").append(one.toMap().get(s.option().key())).append('\n');
        }
        return b.toString();
    }

    /** {@code FlinkSettings <slots>}: prints the settings for a TaskManager with that many slots as config.yaml lines. */
    public static void main(String[] args) {
        if (args.length != 1 || !args[0].matches("[1-9][0-9]*")) {
            System.err.println("usage: FlinkSettings <task slots>   (prints the job's Flink settings as config.yaml lines)");
            System.exit(2);
        }
        System.out.print(yaml(Integer.parseInt(args[0])));
    }
}
