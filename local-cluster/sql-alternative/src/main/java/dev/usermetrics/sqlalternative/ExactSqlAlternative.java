package dev.usermetrics.sqlalternative;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * The peer a Flink user would write for exact per-user totals, for bin/bench: Flink SQL with the
 * job's semantics as far as SQL expresses them, in streaming mode (retractions) or in batch mode
 * (a backfill), on the same topic.
 * <ul>
 *   <li>dedup by event id ({@code ROW_NUMBER() ... = 1});</li>
 *   <li>a trace's user = the userId of its latest event, by (timestamp, id), that carries one
 *       (trace and observation events);</li>
 *   <li>an observation is (project, traceId, id); its usage and cost are those of its latest
 *       event that carried a non-empty usageDetails / costDetails (last write wins), its tokens
 *       the {@code total} key, else input + output; its cost the {@code total} cost key;</li>
 *   <li>observations joined to their trace's user, summed per (project, user): traces,
 *       observations, total tokens, total provided cost, upserted into Postgres.</li>
 * </ul>
 * What SQL does not express here is left out and shows in the comparison (bin/bench): the
 * user-ID, environment and number rules of the job's parser (records are read with the JSON
 * format, unparsable ones skipped), the sum of all usage keys when there is no {@code total}
 * key, legacy {@code usage} objects, prices. Timestamps are ordered as text (the workload writes
 * one ISO format).
 *
 * <pre>ExactSqlAlternative BOOTSTRAP TOPIC JDBC_URL USER PASSWORD SCHEMA CHECKPOINT_DIR streaming|batch</pre>
 * Prints {@code sql_exact finished in S s} (the job's net runtime).
 */
public final class ExactSqlAlternative {
    private ExactSqlAlternative() {}

    /** The observation event types (EventTypes in the job). */
    static final String OBSERVATION_TYPES = "'span-create', 'span-update', 'generation-create', 'generation-update', "
            + "'event-create', 'agent-create', 'tool-create', 'chain-create', 'retriever-create', 'evaluator-create', "
            + "'embedding-create', 'guardrail-create'";

    public static void main(String[] args) throws Exception {
        if (args.length != 7 || !(args[6].equals("streaming") || args[6].equals("batch"))) {
            System.err.println("usage: ExactSqlAlternative BOOTSTRAP TOPIC JDBC_URL USER SCHEMA CHECKPOINT_DIR streaming|batch"
                    + "  (password: $POSTGRES_PASSWORD)");
            System.exit(2);
        }
        String bootstrap = args[0], topic = args[1], url = args[2], user = args[3], schema = args[4];
        String password = System.getenv().getOrDefault("POSTGRES_PASSWORD", "");
        boolean batch = args[6].equals("batch");

        Configuration conf = SqlAlternative.jobConfiguration(args[5]);
        conf.set(ExecutionOptions.RUNTIME_MODE, batch ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        if (!batch) {
            env.enableCheckpointing(SqlAlternative.CHECKPOINT_MILLIS);
        }
        StreamTableEnvironment t = StreamTableEnvironment.create(env);
        SqlTables.events(t, "id STRING, `timestamp` STRING, type STRING, projectId STRING, body ROW<id STRING, traceId STRING, "
                + "userId STRING, usageDetails MAP<STRING, BIGINT>, costDetails MAP<STRING, DECIMAL(38, 12)>>",
                topic, bootstrap, topic + "-sql-exact");
        SqlTables.userSink(t, "sql_exact_user_metrics", new String[] {"trace_count BIGINT bigint",
                "observation_count BIGINT bigint", "total_tokens BIGINT bigint", "total_cost DECIMAL(38,12) numeric(38,12)"},
                url, user, password, schema);
        t.executeSql("""
                CREATE VIEW ev AS
                SELECT id, `timestamp` AS ts, type, projectId,
                       CASE WHEN type = 'trace-create' THEN body.id ELSE body.traceId END AS traceId,
                       body.id AS bodyId, body.userId AS userId, body.usageDetails AS usage, body.costDetails AS cost
                FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY `timestamp`) AS rn
                      FROM events WHERE id IS NOT NULL AND projectId IS NOT NULL AND `timestamp` IS NOT NULL)
                WHERE rn = 1""");
        t.executeSql("""
                CREATE VIEW trace_users AS
                SELECT projectId, traceId, userId FROM (
                  SELECT projectId, traceId, userId,
                         ROW_NUMBER() OVER (PARTITION BY projectId, traceId ORDER BY ts DESC, id DESC) AS rn
                  FROM ev
                  WHERE traceId IS NOT NULL AND userId IS NOT NULL AND userId <> ''
                    AND (type = 'trace-create' OR type IN (%s)))
                WHERE rn = 1""".formatted(OBSERVATION_TYPES));
        t.executeSql("""
                CREATE VIEW observations AS
                SELECT projectId, traceId, bodyId AS obsId FROM ev
                WHERE type IN (%s) AND traceId IS NOT NULL AND bodyId IS NOT NULL
                GROUP BY projectId, traceId, bodyId""".formatted(OBSERVATION_TYPES));
        t.executeSql("""
                CREATE VIEW observation_tokens AS
                SELECT projectId, traceId, obsId, tokens FROM (
                  SELECT projectId, traceId, bodyId AS obsId,
                         COALESCE(usage['total'], COALESCE(usage['input'], 0) + COALESCE(usage['output'], 0)) AS tokens,
                         ROW_NUMBER() OVER (PARTITION BY projectId, traceId, bodyId ORDER BY ts DESC, id DESC) AS rn
                  FROM ev WHERE type IN (%s) AND usage IS NOT NULL AND CARDINALITY(usage) > 0)
                WHERE rn = 1""".formatted(OBSERVATION_TYPES));
        t.executeSql("""
                CREATE VIEW observation_cost AS
                SELECT projectId, traceId, obsId, cost FROM (
                  SELECT projectId, traceId, bodyId AS obsId, COALESCE(cost['total'], 0) AS cost,
                         ROW_NUMBER() OVER (PARTITION BY projectId, traceId, bodyId ORDER BY ts DESC, id DESC) AS rn
                  FROM ev WHERE type IN (%s) AND cost IS NOT NULL AND CARDINALITY(cost) > 0)
                WHERE rn = 1""".formatted(OBSERVATION_TYPES));
        t.executeSql("""
                CREATE VIEW per_trace AS
                SELECT o.projectId, o.traceId, COUNT(*) AS observations,
                       SUM(COALESCE(k.tokens, 0)) AS tokens, SUM(COALESCE(c.cost, 0)) AS cost
                FROM observations o
                LEFT JOIN observation_tokens k ON k.projectId = o.projectId AND k.traceId = o.traceId AND k.obsId = o.obsId
                LEFT JOIN observation_cost c ON c.projectId = o.projectId AND c.traceId = o.traceId AND c.obsId = o.obsId
                GROUP BY o.projectId, o.traceId""");
        TableResult result = t.executeSql("""
                INSERT INTO sql_exact_user_metrics
                SELECT u.projectId, u.userId, COUNT(*), SUM(COALESCE(p.observations, 0)),
                       SUM(COALESCE(p.tokens, 0)), CAST(SUM(COALESCE(p.cost, 0)) AS DECIMAL(38, 12))
                FROM trace_users u
                LEFT JOIN per_trace p ON p.projectId = u.projectId AND p.traceId = u.traceId
                GROUP BY u.projectId, u.userId""");
        long millis = result.getJobClient().orElseThrow().getJobExecutionResult().get().getNetRuntime();
        System.out.printf("sql_exact finished in %.3f s%n", millis / 1000.0);
    }
}
