package dev.usermetrics.sink;

import dev.usermetrics.sql.PostgresLogin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.config.JobOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database password stays out of what the client submits: with a password file or the
 * environment variable, the serialized job graph does not contain it (the tasks read it where
 * they connect); JDBC URLs are masked in logs.
 */
class SecretsTest {
    @TempDir
    Path dir;

    /** The job graph of the job built from these options, as the bytes a client submits. */
    private static String submittedBytes(JobOptions o) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        UserMetricsJob.configure(env, o);
        new UserMetricsJob(UserMetricsJob.kafkaSource(o), new PostgresSinks(o.postgresLogin(), "s")).build(env);
        JobGraph graph = env.getStreamGraph().getJobGraph();
        return new String(InstantiationUtil.serializeObject(graph), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aPasswordFromAFileIsNotInTheJobGraphAndIsReadWhereItIsUsed() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "s3cret-from-file\n");
        JobOptions o = JobOptions.parse(new String[] {"--postgres.password-file", file.toString()}, Map.of());
        assertThat(submittedBytes(o)).doesNotContain("s3cret-from-file");
        assertThat(o.postgresLogin().password()).isEqualTo("s3cret-from-file");
        Files.writeString(file, "rotated\n"); // read at each connection: a rotated file is picked up
        assertThat(o.postgresLogin().password()).isEqualTo("rotated");
        assertThat(o.postgresLogin().toString()).doesNotContain("rotated").contains("password from file");
    }

    @Test
    void aPasswordFromTheEnvironmentIsNotInTheJobGraph() throws Exception {
        JobOptions o = JobOptions.parse(new String[0], Map.of(JobOptions.PASSWORD_ENV, "s3cret-from-env"));
        assertThat(o.postgresPassword()).isEqualTo("s3cret-from-env"); // the client's own connections
        assertThat(submittedBytes(o)).doesNotContain("s3cret-from-env");
        // On a machine without the variable the connection fails with a reason, not a bad login.
        PostgresLogin missing = PostgresLogin.fromEnvironment("jdbc:postgresql://h/db", "u", "USER_METRICS_NO_SUCH_VARIABLE");
        assertThatThrownBy(missing::password).hasMessageContaining("USER_METRICS_NO_SUCH_VARIABLE is not set");
    }

    @Test
    void anInlinePasswordTravelsWithTheJob() throws Exception {
        // Given on the command line, it is in the process list already; it has nowhere else to be.
        JobOptions o = JobOptions.parse(new String[] {"--postgres.password", "s3cret-inline"}, Map.of());
        assertThat(submittedBytes(o)).contains("s3cret-inline");
    }

    @Test
    void jdbcUrlsAreMaskedInLogs() throws Exception {
        String url = "jdbc:postgresql://db:5432/metrics?user=m&password=s3cret&ssl=true";
        assertThat(PostgresLogin.mask(url)).isEqualTo("jdbc:postgresql://db:5432/metrics?user=m&password=***&ssl=true");
        JobOptions o = JobOptions.parse(new String[] {"--postgres.url", url, "--postgres.password", "pw2"}, Map.of());
        assertThat(o.toString()).doesNotContain("s3cret").doesNotContain("pw2");
        assertThat(o.postgresLogin().toString()).doesNotContain("s3cret");
    }
}
