package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.it.RowKeys.BucketKey;
import dev.usermetrics.it.RowKeys.EnvKey;
import dev.usermetrics.it.RowKeys.ModelKey;
import dev.usermetrics.it.RowKeys.ScoreKey;
import dev.usermetrics.it.RowKeys.UserKey;
import dev.usermetrics.records.RawRecord;
import dev.usermetrics.sink.PostgresSinks;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The real job on a MiniCluster with RocksDB, reading a real Kafka broker and writing a real
 * Postgres; the tables must equal the batch truth of a {@link Scenario} (its {@link ReferenceModel}).
 */
class UserMetricsJobIT {

    private static String[] args(String topic, String schema, String... more) {
        return JobArgs.bounded(topic, schema, more);
    }

    static void assertTablesMatch(Scenario s, String schema) throws Exception {
        assertTablesMatch(s, schema, true);
    }

    /** The metric tables (and, with checkRejections, rejected_events) equal the batch truth. */
    static void assertTablesMatch(Scenario s, String schema, boolean checkRejections) throws Exception {
        ReferenceModel truth = s.truth;
        var totals = SinkTables.totals(schema);
        var expectedTotals = SinkTables.expectedTotals(truth.totals, true);
        assertThat(totals.keySet()).isEqualTo(expectedTotals.keySet());
        expectedTotals.forEach((k, v) -> assertThat(totals.get(k)).as("user_metrics %s", k).isEqualTo(v));

        var envTotals = SinkTables.envTotals(schema);
        var expectedEnvTotals = SinkTables.expectedTotals(truth.envTotals, true);
        assertThat(envTotals.keySet()).isEqualTo(expectedEnvTotals.keySet());
        expectedEnvTotals.forEach((k, v) -> assertThat(envTotals.get(k)).as("user_metrics_env %s", k).isEqualTo(v));

        var hourly = SinkTables.buckets(schema, "user_metrics_hourly");
        var expectedHourly = SinkTables.expectedTotals(truth.hourly, false);
        assertThat(hourly.keySet()).isEqualTo(expectedHourly.keySet());
        expectedHourly.forEach((k, v) -> assertThat(hourly.get(k)).as("hourly %s", k).isEqualTo(v));

        var daily = SinkTables.buckets(schema, "user_metrics_daily");
        var expectedDaily = SinkTables.expectedTotals(truth.daily, false);
        assertThat(daily.keySet()).isEqualTo(expectedDaily.keySet());
        expectedDaily.forEach((k, v) -> assertThat(daily.get(k)).as("daily %s", k).isEqualTo(v));

        var models = SinkTables.modelDaily(schema);
        var expectedModels = SinkTables.expectedModelDaily(truth);
        assertThat(models.keySet()).isEqualTo(expectedModels.keySet());
        expectedModels.forEach((k, v) -> assertThat(models.get(k)).as("user_model_metrics_daily %s", k).isEqualTo(v));

        var scores = SinkTables.scores(schema);
        var expectedScores = SinkTables.expectedScores(truth);
        assertThat(scores.keySet()).isEqualTo(expectedScores.keySet());
        expectedScores.forEach((k, v) -> assertThat(scores.get(k)).as("user_scores %s", k).isEqualTo(v));

        assertThat(SinkTables.projectUsers(schema)).isEqualTo(SinkTables.expectedProjectUsers(truth));

        var traces = SinkTables.traces(schema);
        var expectedTraces = SinkTables.expectedTraces(truth);
        assertThat(traces.keySet()).isEqualTo(expectedTraces.keySet());
        expectedTraces.forEach((k, v) -> assertThat(traces.get(k)).as("user_traces %s", k).isEqualTo(v));
        var traceScores = SinkTables.traceScores(schema);
        var expectedTraceScores = SinkTables.expectedTraceScores(truth);
        assertThat(traceScores.keySet()).isEqualTo(expectedTraceScores.keySet());
        expectedTraceScores.forEach((k, v) -> assertThat(traceScores.get(k)).as("user_trace_scores %s", k).isEqualTo(v));
        if (checkRejections) {
            assertThat(SinkTables.rejectionsByReason(schema)).isEqualTo(s.expectedRejections);
        }
    }

    @Test
    void boundedRunFromTheCommandLineEqualsTheBatchTruth() throws Exception {
        Scenario s = new Scenario(42, 600);
        assertThat(s.truth.totals).hasSizeGreaterThan(30);
        Topics.produce("it-main", 3, s.lines);

        JobArgs.run(args("it-main", "it_main", "--parallelism", "2"));

        assertTablesMatch(s, "it_main");
        // Sanity of the dataset itself: the traits are really there.
        long bigTokens = s.events.stream().filter(e -> e.usage != null)
                .flatMap(e -> e.usage.values().stream()).filter(v -> v > Integer.MAX_VALUE).count();
        assertThat(bigTokens).isGreaterThan(5);
        assertThat(s.expectedRejections).containsKeys("user_id_not_string", "user_id_too_long", "user_id_not_storable",
                "invalid_environment", "invalid_model", "invalid_score", "score_without_trace", "invalid_trace_name");
        // The user page's lists are there: named and unnamed traces, traces in sessions, scores of every type.
        assertThat(s.truth.traces.values()).anyMatch(t -> t.name() == null).anyMatch(t -> t.name() != null)
                .anyMatch(t -> t.session() != null);
        assertThat(s.truth.traceScores.values()).extracting(ReferenceModel.TraceScoreRow::type).contains("NUMERIC", "BOOLEAN", "CATEGORICAL");
        assertThat(s.truth.envTotals.keySet()).extracting(EnvKey::env).contains("default", "production", "staging");
        assertThat(s.truth.envTotals.size()).isGreaterThan(s.truth.totals.size()); // some users have several environments
        assertThat(s.truth.modelDaily.keySet()).extracting(ModelKey::model).contains("", "gpt-4o", "claude-sonnet-4");
        assertThat(s.truth.scores.keySet()).extracting(ScoreKey::type).contains("NUMERIC", "BOOLEAN", "CATEGORICAL");
        assertThat(s.truth.hourly.values()).anyMatch(r -> r.scores > 0 && r.traces == 0 && r.observations == 0);
        // Injection strings were stored verbatim (they only ever reach SQL as bind parameters).
        assertThat(s.truth.totals.keySet()).extracting(UserKey::user).contains("x'); DROP TABLE user_metrics; --");
        assertThat(s.truth.modelDaily.keySet()).extracting(ModelKey::model).contains("m'); DELETE FROM user_model_metrics_daily; --");
        assertThat(s.truth.scores.keySet()).extracting(ScoreKey::name).contains("q'); DROP TABLE user_scores; --");
    }

    private static String event(String id, String ts, String type, String body) {
        return "{\"id\":\"" + id + "\",\"timestamp\":\"" + ts + "\",\"type\":\"" + type
                + "\",\"projectId\":\"p-live\",\"body\":" + body + "}";
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        Await.until(what, java.time.Duration.ofSeconds(120), condition, () -> "user_metrics = " + SinkTables.totals("it_live"));
    }

    @Test
    void liveUserChangeMovesRowsAndDeletesTheOnesLeftEmpty() throws Exception {
        String[] a = args("it-live", "it_live", "--checkpoint-interval", "500ms");
        String[] unbounded = java.util.Arrays.stream(a).filter(x -> !x.equals("--bounded")).toArray(String[]::new);
        JobOptions o = JobOptions.parse(unbounded);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(UserMetricsJob.flinkConfiguration(o));
        UserMetricsJob.configure(env, o);
        PostgresSinks sinks = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", "it_live");
        sinks.migrate();
        Topics.produce("it-live", 1, java.util.List.of());
        new UserMetricsJob(UserMetricsJob.kafkaSource(o), sinks).build(env);
        var client = env.executeAsync("user-metrics-live");
        try {
            Topics.produce("it-live", 1, java.util.List.of(
                    event("e1", "2026-05-01T10:00:00Z", "trace-create", "{\"id\":\"t1\",\"userId\":\"alice\"}"),
                    event("e2", "2026-05-01T10:00:01Z", "generation-create",
                            "{\"id\":\"o1\",\"traceId\":\"t1\",\"startTime\":\"2026-05-01T10:00:01Z\",\"userId\":\"alice\","
                                    + "\"usageDetails\":{\"input\":10,\"output\":5},\"costDetails\":{\"total\":0.000000000123}}")));
            var alice = new UserKey("p-live", "alice");
            var bob = new UserKey("p-live", "bob");
            await("alice counted", () -> {
                var v = SinkTables.totals("it_live").get(alice);
                return v != null && v.traces() == 1 && v.observations() == 1;
            });

            // propagate_attributes with another user on a later span: the whole trace moves.
            Topics.produce("it-live", 1, java.util.List.of(
                    event("e3", "2026-05-01T11:30:00Z", "span-create",
                            "{\"id\":\"o2\",\"traceId\":\"t1\",\"startTime\":\"2026-05-01T11:30:00Z\",\"userId\":\"bob\"}")));
            await("trace moved to bob", () -> {
                var rows = SinkTables.totals("it_live");
                var v = rows.get(bob);
                return !rows.containsKey(alice) && v != null && v.observations() == 2;
            });
            var v = SinkTables.totals("it_live").get(bob);
            assertThat(v.traces()).isEqualTo(1);
            assertThat(v.inputTokens()).isEqualTo(10);
            assertThat(v.totalTokens()).isEqualTo(15);
            assertThat(v.totalCost()).isEqualByComparingTo("0.000000000123");
            // alice's hourly and daily rows were deleted too; bob has hours 10 and 11. Each table
            // has its own sink, flushed independently: wait until the daily one no longer has alice.
            var aliceDay = new BucketKey("p-live", "alice", "default", java.time.Instant.parse("2026-05-01T00:00:00Z"));
            await("alice's daily row deleted", () -> !SinkTables.buckets("it_live", "user_metrics_daily").containsKey(aliceDay)
                    && SinkTables.buckets("it_live", "user_metrics_hourly").keySet().stream().noneMatch(k -> k.user().equals("alice")));
            var hourly = SinkTables.buckets("it_live", "user_metrics_hourly");
            assertThat(hourly.keySet()).containsExactlyInAnyOrder(
                    new BucketKey("p-live", "bob", "default", java.time.Instant.parse("2026-05-01T10:00:00Z")),
                    new BucketKey("p-live", "bob", "default", java.time.Instant.parse("2026-05-01T11:00:00Z")));
            assertThat(SinkTables.buckets("it_live", "user_metrics_daily").keySet()).containsExactly(
                    new BucketKey("p-live", "bob", "default", java.time.Instant.parse("2026-05-01T00:00:00Z")));
        } finally {
            client.cancel().get();
        }
    }

    @Test
    void replayingTheTopicIntoTheSameSchemaChangesNothing() throws Exception {
        Scenario s = new Scenario(7, 150);
        Topics.produce("it-replay", 2, s.lines);
        JobArgs.run(args("it-replay", "it_replay"));
        assertTablesMatch(s, "it_replay");
        // A second full replay (new group, from earliest, no state) rewrites the same absolute
        // values. The schema has rows, so it says so explicitly (one writer per schema: WriterFencingIT).
        String[] again = args("it-replay", "it_replay", "--sink.take-over");
        for (int i = 0; i < again.length; i++) {
            if (again[i].equals("--kafka.group-id")) {
                again[i + 1] = "it-replay-2";
            }
        }
        JobArgs.run(again);
        assertTablesMatch(s, "it_replay");
    }

    /**
     * Fails the job after a checkpoint completed mid-stream, after 1/3 of the input and again 1/3
     * of the input after the restart (pattern of KafkaSinkITCase): each time it slows down until a
     * checkpoint covering records past the point has completed, then throws once. The failure
     * count survives restarts in a static field.
     */
    static final class FailAfterCheckpoint extends RichMapFunction<RawRecord, RawRecord> implements CheckpointListener {
        static final AtomicInteger FAILURES = new AtomicInteger();
        static volatile long seenAtLastCheckpoint = -1;
        private final long[] failPoints;
        private long seen;

        FailAfterCheckpoint(long... failPoints) {
            this.failPoints = failPoints;
        }

        @Override
        public void open(OpenContext ctx) {
            // Counted per attempt: a fail point is "n records after the (re)start, once a
            // checkpoint covering them completed".
            seen = 0;
            seenAtLastCheckpoint = -1;
        }

        @Override
        public RawRecord map(RawRecord r) throws Exception {
            seen++;
            int done = FAILURES.get();
            if (done < failPoints.length && seen >= failPoints[done]) {
                if (seenAtLastCheckpoint >= failPoints[done]) {
                    FAILURES.incrementAndGet();
                    throw new RuntimeException("injected failure " + (done + 1) + " after a completed checkpoint");
                }
                Thread.sleep(2); // let a checkpoint complete first
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            seenAtLastCheckpoint = Math.max(seenAtLastCheckpoint, seen);
        }
    }

    @Test
    void failureAfterACompletedCheckpointRecoversExactly() throws Exception {
        Scenario s = new Scenario(99, 500);
        // Unkeyed records, spread over 3 partitions: a trace's events arrive through different
        // splits, so a replay after the failure re-reads them in another interleaving.
        Topics.produceUnkeyed("it-failover", 3, s.lines);
        JobOptions o = JobOptions.parse(args("it-failover", "it_failover", "--checkpoint-interval", "200ms"));
        Configuration conf = UserMetricsJob.flinkConfiguration(o);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, java.time.Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        UserMetricsJob.configure(env, o);
        env.setParallelism(1);
        PostgresSinks sinks = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", "it_failover");
        sinks.migrate();
        UserMetricsJob job = new UserMetricsJob(UserMetricsJob.kafkaSource(o), sinks);
        DataStream<RawRecord> raw = env.fromSource(UserMetricsJob.kafkaSource(o), dev.usermetrics.functions.DataClock.ofInput(), "kafka-source")
                .uid("kafka-source")
                .map(new FailAfterCheckpoint(s.lines.size() / 3, s.lines.size() / 3))
                .name("fail-once");
        job.buildFrom(raw);
        JobExecutionResult result = env.execute("user-metrics-failover");

        assertThat(FailAfterCheckpoint.FAILURES.get()).isEqualTo(2);
        assertThat(result.getNetRuntime()).isPositive();
        assertTablesMatch(s, "it_failover");
    }
}
