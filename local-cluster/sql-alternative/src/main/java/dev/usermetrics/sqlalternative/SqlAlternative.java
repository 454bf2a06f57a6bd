package dev.usermetrics.sqlalternative;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
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
        if (args.length != 7) {
            System.err.println("usage: SqlAlternative BOOTSTRAP TOPIC JDBC_URL USER PASSWORD SCHEMA CHECKPOINT_DIR");
            System.exit(2);
        }
        String bootstrap = args[0], topic = args[1], url = args[2], user = args[3], password = args[4], schema = args[5];
        createSinkTable(url, user, password, schema);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConfiguration(args[6]));
        env.setParallelism(1);
        env.enableCheckpointing(CHECKPOINT_MILLIS, CheckpointingMode.EXACTLY_ONCE);
        StreamTableEnvironment t = StreamTableEnvironment.create(env);

        t.executeSql("""
                CREATE TABLE events (
                  projectId STRING,
                  body ROW<userId STRING, usageDetails MAP<STRING, BIGINT>, costDetails MAP<STRING, DECIMAL(38, 12)>>
                ) WITH (
                  'connector' = 'kafka',
                  'topic' = '%s',
                  'properties.bootstrap.servers' = '%s',
                  'properties.group.id' = '%s-sql',
                  'scan.startup.mode' = 'earliest-offset',
                  'scan.bounded.mode' = 'latest-offset',
                  'format' = 'json',
                  'json.ignore-parse-errors' = 'true'
                )""".formatted(topic, bootstrap, topic));
        t.executeSql("""
                CREATE TABLE sql_user_metrics (
                  project_id STRING,
                  user_id STRING,
                  events BIGINT,
                  total_tokens BIGINT,
                  total_cost DECIMAL(38, 12),
                  PRIMARY KEY (project_id, user_id) NOT ENFORCED
                ) WITH (
                  'connector' = 'jdbc',
                  'url' = '%s',
                  'table-name' = '"%s".sql_user_metrics',
                  'username' = '%s',
                  'password' = '%s'
                )""".formatted(url, schema, user, password));
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

    private static void createSinkTable(String url, String user, String password, String schema) throws Exception {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
            s.execute("CREATE TABLE IF NOT EXISTS \"" + schema + "\".sql_user_metrics (project_id text NOT NULL, "
                    + "user_id text NOT NULL, events bigint NOT NULL, total_tokens bigint NOT NULL, "
                    + "total_cost numeric(38, 12) NOT NULL, PRIMARY KEY (project_id, user_id))");
        }
    }
}
