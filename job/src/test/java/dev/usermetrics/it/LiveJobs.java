package dev.usermetrics.it;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.sink.PostgresSinks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A live (unbounded) job on the test's MiniCluster with retained checkpoints: for the ITs that
 * stop a job and start it again from its latest checkpoint.
 */
final class LiveJobs {
    private LiveJobs() {}

    /** Live options: the bounded test arguments without --bounded, checkpoints every 300 ms into the directory. */
    static JobOptions options(String topic, String schema, Path checkpoints, String traceTtl) throws JobOptions.UsageException {
        String[] args = JobArgs.bounded(topic, schema, "--checkpoint-interval", "300ms", "--state.trace-ttl", traceTtl,
                "--checkpoint-dir", checkpoints.toUri().toString());
        return JobOptions.parse(Arrays.stream(args).filter(a -> !a.equals("--bounded")).toArray(String[]::new));
    }

    /** Starts the job (from the checkpoint or savepoint, when not null) and returns at once. */
    static JobClient start(JobOptions o, String checkpoint) throws Exception {
        return start(o, checkpoint, false);
    }

    /**
     * asCommandLine: the job exactly as the command line builds it from the options
     * ({@link UserMetricsJob#of}: budgets, alerts topic, ...); else the pipeline with the options'
     * trace TTL only.
     */
    static JobClient start(JobOptions o, String checkpoint, boolean asCommandLine) throws Exception {
        return start(o, checkpoint, asCommandLine, job -> job);
    }

    /** The same, with the job changed by {@code change} before it is built (e.g. another alerts sink). */
    static JobClient start(JobOptions o, String checkpoint, boolean asCommandLine,
            java.util.function.UnaryOperator<UserMetricsJob> change) throws Exception {
        Configuration conf = UserMetricsJob.flinkConfiguration(o);
        if (checkpoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, checkpoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        UserMetricsJob.configure(env, o);
        PostgresSinks sinks = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", o.get(JobOptions.POSTGRES_SCHEMA));
        sinks.migrate();
        change.apply(asCommandLine ? UserMetricsJob.of(o, sinks) : new UserMetricsJob(UserMetricsJob.kafkaSource(o), sinks, o.traceTtl()))
                .build(env);
        return env.executeAsync("user-metrics-" + o.get(JobOptions.POSTGRES_SCHEMA));
    }

    /** The newest completed checkpoint under the directory (a cancelled job keeps its checkpoints). */
    static String latestCheckpoint(Path checkpoints) throws Exception {
        try (Stream<Path> all = Files.walk(checkpoints, 2)) {
            Path chk = all.filter(p -> p.getFileName().toString().startsWith("chk-") && Files.exists(p.resolve("_metadata")))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(4))))
                    .orElseThrow(() -> new AssertionError("no completed checkpoint under " + checkpoints));
            return chk.toUri().toString();
        }
    }
}
