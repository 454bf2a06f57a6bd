package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.localcluster.FlinkCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
    private static final int PROMETHEUS_FIRST_PORT = 19249;
    private static final FlinkCluster FLINK = new FlinkCluster("http://localhost:" + REST_PORT);

    private static final List<String> started = new ArrayList<>();
    private static final String SECRET = "pw-Zq81-not-in-logs";

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
        env.put("FLINK_PROMETHEUS_PORTS", PROMETHEUS_FIRST_PORT + "-" + (PROMETHEUS_FIRST_PORT + 9));
        env.put("KAFKA_PORT", Services.kafkaBootstrap().replaceAll(".*:", ""));
        env.put("POSTGRES_URL", Services.postgresUrl());
        env.put("POSTGRES_USER", Services.postgresUser());
        // The test Postgres trusts local connections, so any password works: a distinctive one
        // lets the test prove it shows up nowhere.
        env.put("POSTGRES_PASSWORD", SECRET);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("bin/" + name + " " + String.join(" ", args) + " failed:\n" + out);
        }
        return out;
    }

    /** bin/submit (the environment points it at the test services). */
    private static String submit(String... args) throws Exception {
        String out = script("submit", args);
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
        if (!status.contains("it-standalone-0")) {
            status = Await.lastRead(Duration.ofSeconds(120), Duration.ofSeconds(1), () -> script("status", "--group", "it-standalone"),
                    st -> st.contains("it-standalone-0"));
        }
        assertThat(status).contains("it-standalone-0", "committed", "lag");

        String savepoint = find(script("savepoint", first), "savepoint: (\\S+)");
        assertThat(FLINK.runningJobs()).doesNotContain(first);

        // The rest of the stream arrives while the job is down; the restored job reads it with p=2.
        Topics.produce("it-standalone", 3, s.lines.subList(half, s.lines.size()));
        String second = submit(concat(job, "--parallelism", "2", "--from-savepoint", savepoint));
        assertThat(script("status", "--group", "it-standalone")).contains(second);

        awaitTables(s, "it_standalone", 240);

        // The database password reached the job (from the environment, not the command line) and
        // appears neither in the cluster's logs nor in the jobs' configuration shown by the web UI.
        for (String id : List.of(first, second)) {
            assertThat(FLINK.get("/jobs/" + id + "/config").toString()).doesNotContain(SECRET);
            assertThat(FLINK.get("/jobs/" + id).toString()).doesNotContain(SECRET);
        }
        try (var logs = java.nio.file.Files.list(DATA.resolve("flink/log"))) {
            for (Path log : logs.toList()) {
                assertThat(java.nio.file.Files.readString(log, StandardCharsets.ISO_8859_1)).as("%s", log).doesNotContain(SECRET);
            }
        }
        assertPrometheusServesTheOperatorMetrics();
        FLINK.cancel(second);
    }

    /** The metrics docs/operations.md ("Monitoring") builds its alerts on, as Prometheus scrapes them. */
    static final List<String> ALERT_METRICS = List.of(
            "flink_taskmanager_job_task_operator_numRecordsIn",
            "flink_taskmanager_job_task_operator_eventsAccepted",
            "flink_taskmanager_job_task_operator_rejected_count",
            "flink_taskmanager_job_task_operator_duplicateEvents",
            "flink_taskmanager_job_task_operator_traceUserChanges",
            "flink_taskmanager_job_task_operator_rowsWritten",
            "flink_taskmanager_job_task_operator_pendingRecords",
            "flink_jobmanager_job_lastCheckpointDuration",
            "flink_jobmanager_job_lastCheckpointSize",
            "flink_jobmanager_job_numberOfFailedCheckpoints",
            "flink_jobmanager_job_numRestarts",
            "flink_jobmanager_numRunningJobs");

    /** Scrapes every Prometheus endpoint of the cluster (bin/up's port range) while the job runs. */
    private static void assertPrometheusServesTheOperatorMetrics() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        StringBuilder all = new StringBuilder();
        int endpoints = 0;
        for (int p = PROMETHEUS_FIRST_PORT; p < PROMETHEUS_FIRST_PORT + 10; p++) {
            try {
                var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + p + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                all.append(r.body());
                endpoints++;
            } catch (java.io.IOException notServed) {
                // a free port of the range
            }
        }
        assertThat(endpoints).as("JobManager and TaskManager endpoints").isGreaterThanOrEqualTo(2);
        String text = all.toString();
        for (String metric : ALERT_METRICS) {
            assertThat(text).as("Prometheus metric %s", metric).containsPattern("(?m)^" + metric + "\\{");
        }
        // One series per reject reason, the reason as a label; the job accepted events.
        assertThat(text).containsPattern("(?m)^flink_taskmanager_job_task_operator_rejected_count\\{[^}]*rejected=\"invalid_usage\"");
        assertThat(text).containsPattern("(?m)^flink_taskmanager_job_task_operator_eventsAccepted\\{[^}]*\\} [1-9]");
    }

    /**
     * bin/backfill twice while a reader polls the stable read schema: the first builds and
     * activates generation 1 from the topic; the second rebuilds generation 2 from the topic plus
     * an exported history file (the same events again: deduplicated), switches, and drops
     * generation 1 with its job. The reader must only ever see complete numbers (a generation
     * that is not complete is never visible) and must see both generations.
     */
    @Test
    void backfillBuildsANewGenerationAndSwitchesReadersAtomically() throws Exception {
        Scenario s = new Scenario(41, 300);
        Topics.produce("it-backfill", 3, s.lines);
        String first = script("backfill", "--read-schema", "it_read", "--topic", "it-backfill", "--timeout", "300");
        assertThat(first).contains("backfill: ", "caught up", "switched it_read to it_read_g1", "generation: it_read_g1");
        UserMetricsJobIT.assertTablesMatch(s, "it_read_g1");
        // A price definition of the current generation (for a model the scenario never uses, so
        // the metrics stay comparable) must be copied into the next one before its job starts.
        try (var c = Services.connect(); var st = c.createStatement()) {
            st.execute("INSERT INTO it_read_g1.models (id, model_name, match_pattern) VALUES ('own', 'own-model', '^own-model$')");
            st.execute("INSERT INTO it_read_g1.model_prices VALUES ('own', 'input', 0.000001)");
            // And its budgets (for a project the scenario does not have, so no alert changes what is compared).
            st.execute("INSERT INTO it_read_g1.user_budgets (id, project_id, measure, time_window, limit_value)"
                    + " VALUES ('own-budget', 'proj-none', 'totalCost', 'all', 1)");
            // The polling reader below is a role bound to proj-a (V9), granted through the read
            // schema: the grant must move to the next generation with the switch.
            st.execute("DO $$ BEGIN CREATE ROLE it_read_reader NOLOGIN IN ROLE metrics_reader; "
                    + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            st.execute("INSERT INTO it_read.reader_projects (role_name, project_id) VALUES ('it_read_reader', 'proj-a')");
        }

        long users = s.truth.totals.keySet().stream().filter(k -> k.project().equals("proj-a")).count();
        long traces = s.truth.totals.entrySet().stream().filter(e -> e.getKey().project().equals("proj-a"))
                .mapToLong(e -> e.getValue().traces).sum();
        String complete = users + "/" + traces;
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            try (var c = Services.connect(); var st = c.createStatement()) {
                st.execute("SET ROLE it_read_reader");
                st.execute("SET app.project_id = 'proj-a'"); // the views show one project's rows
                while (!stop.get()) {
                    try (var rs = st.executeQuery("SELECT (SELECT name FROM it_read.current_generation), count(*),"
                            + " coalesce(sum(\"totalTraces\"), 0) FROM it_read.users_list WHERE environment IS NULL")) {
                        rs.next();
                        seen.add(rs.getString(1) + " " + rs.getLong(2) + "/" + rs.getLong(3));
                    }
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                seen.add("reader failed: " + e);
            }
        });
        reader.start();
        Path history = DATA.resolve("history.jsonl.gz");
        java.nio.file.Files.createDirectories(DATA);
        try (var out = new java.io.PrintWriter(new java.util.zip.GZIPOutputStream(java.nio.file.Files.newOutputStream(history)),
                false, StandardCharsets.UTF_8)) {
            s.lines.forEach(out::println);
        }
        String second = script("backfill", "--read-schema", "it_read", "--topic", "it-backfill",
                "--from-file", history.toString(), "--drop-old", "--timeout", "300", "--move-alerts", "it-backfill-alerts",
                "--budgets.poll-interval", "1s");
        Thread.sleep(500);
        stop.set(true);
        reader.join();

        assertThat(second).contains("copied 1 model price definitions (1 prices) and 1 budgets from it_read_g1 to it_read_g2",
                "copied 1 reader grants (reader_projects) from it_read_g1 to it_read_g2",
                "switched it_read to it_read_g2 (was it_read_g1)", "dropped it_read_g1");
        try (var c = Services.connect(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT m.id, p.price FROM it_read_g2.models m JOIN it_read_g2.model_prices p ON p.model_id = m.id")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("own");
            assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("0.000001");
            assertThat(rs.next()).isFalse();
        }
        assertThat(SinkTables.rows("SELECT id, project_id FROM it_read_g2.user_budgets")).isEqualTo(Map.of("own-budget", "proj-none"));
        // --move-alerts: the new generation's job, resumed from its savepoint, is the one job left and sends to the topic.
        assertThat(second).contains("moved the alerts topic it-backfill-alerts to it_read_g2");
        assertThat(FLINK.runningJobs()).hasSize(1);
        long withTraces = s.truth.totals.entrySet().stream()
                .filter(e -> e.getKey().project().equals("proj-a") && e.getValue().traces >= 1).count();
        try (var c = Services.connect(); var st = c.createStatement()) {
            st.execute("INSERT INTO it_read_g2.user_budgets (id, project_id, measure, time_window, limit_value)"
                    + " VALUES ('one-trace', 'proj-a', 'countTraces', 'all', 1)");
        }
        Await.until("an alert per proj-a user with a trace on the moved topic", Duration.ofSeconds(120),
                () -> BudgetAlertsIT.readCommitted("it-backfill-alerts").size() == withTraces,
                () -> "records: " + BudgetAlertsIT.readCommitted("it-backfill-alerts").size() + ", users: " + withTraces);
        assertThat(seen).isNotEmpty().allMatch(v -> v.endsWith(" " + complete), "shows complete numbers: " + complete);
        assertThat(seen).anyMatch(v -> v.startsWith("it_read_g1 ")).anyMatch(v -> v.startsWith("it_read_g2 "));
        // The history and the live topic hold the same events: deduplicated, the metrics are exact
        // (malformed records are rejected once per topic, so rejected_events is not compared).
        UserMetricsJobIT.assertTablesMatch(s, "it_read_g2", false);
        assertThat(script("generations", "list", "it_read")).contains("it_read_g1", "dropped", "it_read_g2", "current");
        for (String id : FLINK.runningJobs()) {
            FLINK.cancel(id);
        }
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    /** Polls until the tables equal the truth (a streaming job has no end to wait for). */
    static void awaitTables(Scenario s, String schema, int timeoutSeconds) throws Exception {
        Await.untilPasses("the tables of " + schema + " to equal the batch truth", Duration.ofSeconds(timeoutSeconds),
                Duration.ofSeconds(2), () -> UserMetricsJobIT.assertTablesMatch(s, schema));
    }
}
