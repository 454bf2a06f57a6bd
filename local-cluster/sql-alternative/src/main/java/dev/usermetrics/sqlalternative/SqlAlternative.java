package dev.usermetrics.sqlalternative;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * The obvious alternative to the job, for bin/bench: Flink SQL doing the simple part only. It
 * reads the same topic (bounded, from the earliest to the latest offset), keeps the events that
 * already carry a userId and sums per (project, user): events, total tokens, total cost, upserted
 * into Postgres by the official JDBC table sink. No deduplication, no trace-level user, no updates,
 * no buckets: its totals are not correct for this workload, only its speed is compared.
 *
 * <p>Run with the job's settings where they apply: parallelism 1, RocksDB with incremental
 * checkpoints every 5 s, the same managed memory; mini-batch aggregation on (Flink's recommended
 * setting for a GROUP BY, comparable to the job's 200 ms combiner).
 *
 * <pre>SqlAlternative BOOTSTRAP TOPIC JDBC_URL USER PASSWORD SCHEMA CHECKPOINT_DIR</pre>
 * Prints {@code sql finished in S s} (the job's net runtime).
 */
public final class SqlAlternative {
    private SqlAlternative() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: SqlAlternative BOOTSTRAP TOPIC JDBC_URL USER SCHEMA CHECKPOINT_DIR  (password: $POSTGRES_PASSWORD)");
            System.exit(2);
        }
        String bootstrap = args[0], topic = args[1], url = args[2], user = args[3], schema = args[4];
        String password = System.getenv().getOrDefault("POSTGRES_PASSWORD", "");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConfiguration(args[5]));
        env.setParallelism(1);
        env.enableCheckpointing(CHECKPOINT_MILLIS, CheckpointingMode.EXACTLY_ONCE);
        StreamTableEnvironment t = StreamTableEnvironment.create(env);

        SqlTables.events(t, "projectId STRING, body ROW<userId STRING, usageDetails MAP<STRING, BIGINT>, "
                + "costDetails MAP<STRING, DECIMAL(38, 12)>>", topic, bootstrap, topic + "-sql");
        SqlTables.userSink(t, "sql_user_metrics", new String[] {"events BIGINT bigint", "total_tokens BIGINT bigint",
                "total_cost DECIMAL(38,12) numeric(38,12)"}, url, user, password, schema);
        TableResult result = t.executeSql("""
                INSERT INTO sql_user_metrics
                SELECT projectId, body.userId, COUNT(*),
                       SUM(COALESCE(body.usageDetails['total'], 0)),
                       SUM(COALESCE(body.costDetails['total'], 0))
                FROM events
                WHERE body.userId IS NOT NULL AND projectId IS NOT NULL
                GROUP BY projectId, body.userId""");
        long millis = result.getJobClient().orElseThrow().getJobExecutionResult().get().getNetRuntime();
        System.out.printf("sql finished in %.3f s%n", millis / 1000.0);
    }

    /** The job's checkpoint interval (bin/bench runs the job with its default). */
    static final long CHECKPOINT_MILLIS = 5_000;

    /** The settings both SQL peers run with (the job's where they apply). */
    static Configuration jobConfiguration(String checkpointDir) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("512m"));
        conf.setString("table.exec.mini-batch.enabled", "true");
        conf.setString("table.exec.mini-batch.allow-latency", "200ms");
        conf.setString("table.exec.mini-batch.size", "20000");
        return conf;
    }
}
