package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.localcluster.FlinkCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's path on real processes: local-cluster/bin/up --flink-only starts a standalone
 * Flink cluster (a JobManager and a TaskManager JVM from Flink's Maven artifacts), bin/submit
 * submits the job jar through Flink's client, bin/savepoint stops it with a savepoint
 * mid-stream, and bin/submit --from-savepoint restores it with another parallelism. Kafka and
 * Postgres are the test services. The tables must end equal to the batch truth.
 */
class StandaloneClusterIT {
    private static final Path BIN = Path.of("..", "local-cluster", "bin");
    private static final Path DATA = Path.of("target", "standalone-it").toAbsolutePath();
    private static final int REST_PORT = 18081;
    private static final FlinkCluster FLINK = new FlinkCluster("http://localhost:" + REST_PORT);

    private static final List<String> started = new ArrayList<>();

    @BeforeAll
    static void startTheCluster() throws Exception {
        script("up", "--flink-only", "--slots", "4");
    }

    @AfterAll
    static void stopTheCluster() throws Exception {
        for (String id : FLINK.runningJobs()) {
            FLINK.cancel(id);
        }
        script("down", "--purge");
    }

    /** Runs a local-cluster script against the test services and the test cluster's ports. */
    private static String script(String name, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", BIN.resolve(name).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("UM_DATA_DIR", DATA.toString());
        env.put("FLINK_REST_PORT", Integer.toString(REST_PORT));
        env.put("FLINK_RPC_PORT", "16123");
        env.put("KAFKA_PORT", Services.kafkaBootstrap().replaceAll(".*:", ""));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("bin/" + name + " " + String.join(" ", args) + " failed:\n" + out);
        }
        return out;
    }

    /** bin/submit with the test services instead of bin/up's. */
    private static String submit(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of(more));
        args.addAll(List.of("--kafka.bootstrap-servers", Services.kafkaBootstrap(),
                "--postgres.url", Services.postgresUrl(), "--postgres.user", Services.postgresUser(),
                "--postgres.password", ""));
        String out = script("submit", args.toArray(String[]::new));
        String id = find(out, "job id: ([0-9a-f]{32})");
        started.add(id);
        return id;
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("%s in:%n%s", regex, text).isTrue();
        return m.group(1);
    }

    @Test
    void savepointMidStreamAndRestoreWithAnotherParallelismIsExact() throws Exception {
        Scenario s = new Scenario(21, 400);
        int half = s.lines.size() / 2;
        Topics.produce("it-standalone", 3, s.lines.subList(0, half));
        String[] job = {"--kafka.topic", "it-standalone", "--kafka.group-id", "it-standalone",
            "--postgres.schema", "it_standalone", "--checkpoint-interval", "1s"};

        String first = submit(concat(job, "--parallelism", "1"));
        assertThat(FLINK.waitCheckpoints(first, 2, 180)).as("two checkpoints of job %s", first).isTrue();
        String status = script("status", "--group", "it-standalone");
        assertThat(status).contains(first, "RUNNING", "last checkpoint: #");
        // Offsets are committed to the group after checkpoints (the first commit on a fresh broker
        // may hit a coordinator that is not ready yet).
        for (int i = 0; i < 30 && !status.contains("it-standalone-0"); i++) {
            Thread.sleep(1000);
            status = script("status", "--group", "it-standalone");
        }
        assertThat(status).contains("it-standalone-0", "committed", "lag");

        String savepoint = find(script("savepoint", first), "savepoint: (\\S+)");
        assertThat(FLINK.runningJobs()).doesNotContain(first);

        // The rest of the stream arrives while the job is down; the restored job reads it with p=2.
        Topics.produce("it-standalone", 3, s.lines.subList(half, s.lines.size()));
        String second = submit(concat(job, "--parallelism", "2", "--from-savepoint", savepoint));
        assertThat(script("status", "--group", "it-standalone")).contains(second);

        awaitTables(s, "it_standalone", 240);
        FLINK.cancel(second);
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    /** Polls until the tables equal the truth (a streaming job has no end to wait for). */
    static void awaitTables(Scenario s, String schema, int timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            try {
                UserMetricsJobIT.assertTablesMatch(s, schema);
                return;
            } catch (AssertionError | Exception notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("tables of " + schema + " did not reach the batch truth in "
                            + timeoutSeconds + " s", notYet);
                }
                Thread.sleep(2000);
            }
        }
    }
}
