package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.sink.PostgresSinks;
import dev.usermetrics.sink.WriterClaim;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per schema (WriterClaim), on real Kafka, Postgres and MiniClusters: a second job
 * fails with a clear error and the first writes on; a job started without state into a schema
 * with rows is refused unless --sink.take-over; a job restored from another's savepoint carries
 * its lineage on and fences the original off.
 */
class WriterFencingIT {
    @TempDir
    Path savepoints;

    private static String event(String project, String id, String trace, String user, long input) {
        return "{\"id\":\"" + id + "\",\"timestamp\":\"2026-05-01T10:00:00Z\",\"type\":\"generation-create\",\"projectId\":\""
                + project + "\",\"body\":{\"id\":\"o-" + id + "\",\"traceId\":\"" + trace + "\",\"userId\":\"" + user
                + "\",\"startTime\":\"2026-05-01T10:00:00Z\",\"usageDetails\":{\"input\":" + input + "}}}";
    }

    private static List<String> events(String project, String prefix, int n, long input) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(event(project, prefix + i, prefix + "t" + i, "u" + (i % 3), input));
        }
        return out;
    }

    private static JobOptions options(String topic, String schema, String group, boolean bounded) throws Exception {
        String[] a = JobArgs.bounded(topic, schema, "--kafka.group-id", group, "--checkpoint-interval", "300ms");
        return JobOptions.parse(bounded ? a : Arrays.stream(a).filter(x -> !x.equals("--bounded")).toArray(String[]::new));
    }

    private static JobClient start(JobOptions o, String schema, String savepoint, boolean takeOver) throws Exception {
        Configuration conf = UserMetricsJob.flinkConfiguration(o);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        UserMetricsJob.configure(env, o);
        PostgresSinks sinks = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", schema).takingOver(takeOver);
        sinks.migrate();
        new UserMetricsJob(UserMetricsJob.kafkaSource(o), sinks).build(env);
        return env.executeAsync("user-metrics-" + schema);
    }

    /** The job's end: its refusal, or null when it finished normally. */
    private static WriterClaim.RefusedException refusal(JobClient job) throws Exception {
        try {
            job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return ExceptionUtils.findThrowable(e, WriterClaim.RefusedException.class)
                    .orElseThrow(() -> new AssertionError("failed, but not refused by the claim", e));
        }
    }

    private static long input(String schema, String project) throws Exception {
        return SinkTables.totals(schema).entrySet().stream().filter(e -> e.getKey().project().equals(project))
                .mapToLong(e -> e.getValue().inputTokens()).sum();
    }

    private static String claimHolder(String schema) throws Exception {
        try (Connection c = Services.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT job_id || ' ' || epoch FROM \"" + schema + "\".writer_claim")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void aSecondWriterIsRefusedAndTheFirstWritesOn() throws Exception {
        String schema = "it_fence_second";
        Topics.produce("it-fence-a", 1, events("p", "a", 30, 10));
        Topics.produce("it-fence-b", 1, events("p", "b", 30, 1_000));
        JobClient first = start(options("it-fence-a", schema, "fence-a", false), schema, null, false);
        try {
            await("first job's rows", () -> input(schema, "p") == 300);
            String holder = claimHolder(schema);
            assertThat(holder).isEqualTo(first.getJobID().toHexString() + " 1");

            // Another job, without state, into the same schema: refused at once, without restarts.
            WriterClaim.RefusedException refused = refusal(start(options("it-fence-b", schema, "fence-b", false), schema, null, false));
            assertThat(refused).hasMessageContaining("is written by another job: job " + first.getJobID().toHexString())
                    .hasMessageContaining("--sink.take-over");
            assertThat(claimHolder(schema)).isEqualTo(holder);

            // The first job is unaffected and writes on.
            Topics.produce("it-fence-a", 1, events("p", "a2-", 30, 10));
            await("first job's new rows", () -> input(schema, "p") == 600);
        } finally {
            first.cancel().get();
        }

        // Started without state into a schema with rows (say, Kafka retention dropped the old
        // events): refused; with --sink.take-over it rewrites the schema from its own input.
        WriterClaim.RefusedException again = refusal(start(options("it-fence-b", schema, "fence-b2", true), schema, null, false));
        assertThat(again).hasMessageContaining("is written by another job");
        try (Connection c = Services.connect(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM \"" + schema + "\".writer_claim"); // as a schema written before claims existed
        }
        assertThat(refusal(start(options("it-fence-b", schema, "fence-b3", true), schema, null, false)))
                .hasMessageContaining("already holds metric rows and this job starts without state");
        JobClient rewrite = start(options("it-fence-b", schema, "fence-b4", true), schema, null, true);
        assertThat(refusal(rewrite)).isNull();
        assertThat(claimHolder(schema)).isEqualTo(rewrite.getJobID().toHexString() + " 1");
        // Upserts of b's users over a's rows: b's 30 generations of 1,000 tokens are what the rows now say.
        assertThat(input(schema, "p")).isEqualTo(30_000);
    }

    @Test
    void aJobRestoredFromAnothersSavepointCarriesItsLineageOnAndFencesItOff() throws Exception {
        String schema = "it_fence_lineage";
        String topic = "it-fence-lineage";
        Topics.produce(topic, 1, events("q", "x", 30, 10));
        JobOptions o = options(topic, schema, "fence-lineage", false);
        JobClient original = start(o, schema, null, false);
        JobClient successor = null;
        try {
            await("original's rows", () -> input(schema, "q") == 300);
            // A savepoint of the running job, and a second job restored from it while the first runs on.
            String savepoint = original.triggerSavepoint(savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(60, TimeUnit.SECONDS);
            successor = start(o, schema, savepoint, false);
            JobClient s = successor;
            await("successor's claim", () -> (s.getJobID().toHexString() + " 2").equals(claimHolder(schema)));

            // New events: both jobs read them; only the successor may write. The original's next
            // batch is fenced off, its restart refused: it fails for good.
            Topics.produce(topic, 1, events("q", "y", 30, 10));
            WriterClaim.RefusedException refused = refusal(original);
            assertThat(refused).hasMessageContaining("claimed by job " + successor.getJobID().toHexString());
            await("successor's rows", () -> input(schema, "q") == 600);
            assertThat(SinkTables.totals(schema).values().stream().mapToLong(SinkTables.Values::observations).sum()).isEqualTo(60);
        } finally {
            cancelIfRunning(original);
            if (successor != null) {
                successor.cancel().get();
            }
        }
    }

    /** A job that ended has shut its MiniCluster down: nothing to cancel then. */
    private static void cancelIfRunning(JobClient job) throws Exception {
        if (!job.getJobExecutionResult().isDone()) {
            job.cancel().get();
        }
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        Await.until(what, Duration.ofSeconds(120), condition, () -> "condition still false");
    }
}
