package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.it.RowKeys.UserKey;
import dev.usermetrics.localcluster.FlinkCluster;
import dev.usermetrics.sink.PostgresSinks;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Hostile and buggy clients' workloads through the live job (real Kafka, Postgres, MiniCluster
 * with RocksDB): one observation updated 20,000 times, a trace of 20,000 observations that then
 * changes user, one user with 20,000 traces, usage maps of 64 keys on 200 events, and records the
 * job must reject (10,000 usage keys, over the record limit, nested 10,000 deep). The job must
 * not fail once (its exception history stays empty), no checkpoint may fail (a stalled one
 * times out and fails), and the tables must hold exactly what the valid events say.
 */
class HostileWorkloadIT {
    private static final String TOPIC = "it-hostile";
    private static final String SCHEMA = "it_hostile";
    private static final int N = 20_000;
    /** The hot user's newest traces that move to another user, newest first. */
    private static final int MOVED = 5_000;
    /** Environments of the wide user (a quarter of its score names). */
    private static final int WIDE = 1_000;
    private static final Instant BASE = Instant.parse("2026-05-01T10:00:00Z");

    private static String event(String id, long offsetMillis, String type, String body) {
        return "{\"id\":\"" + id + "\",\"timestamp\":\"" + BASE.plusMillis(offsetMillis) + "\",\"type\":\"" + type
                + "\",\"projectId\":\"p-hostile\",\"body\":" + body + "}";
    }

    private static List<String> workload() {
        List<String> lines = new ArrayList<>();
        // One observation updated N times: the latest-ordered update's usage counts.
        lines.add(event("upd-t", 0, "trace-create", "{\"id\":\"t-upd\",\"userId\":\"u-upd\"}"));
        for (int i = 0; i < N; i++) {
            lines.add(event("upd-" + i, 1 + i, "generation-create", "{\"id\":\"o-upd\",\"traceId\":\"t-upd\","
                    + "\"startTime\":\"" + BASE + "\",\"usageDetails\":{\"input\":" + i + "}}"));
        }
        // A trace of N observations, then a later event moves it to another user.
        lines.add(event("big-t", 0, "trace-create", "{\"id\":\"t-big\",\"userId\":\"u-big-1\"}"));
        for (int i = 0; i < N; i++) {
            lines.add(event("big-" + i, 1 + i, "generation-create", "{\"id\":\"o-big-" + i + "\",\"traceId\":\"t-big\","
                    + "\"startTime\":\"" + BASE + "\",\"usageDetails\":{\"input\":1}}"));
        }
        lines.add(event("big-move", N + 10, "trace-create", "{\"id\":\"t-big\",\"userId\":\"u-big-2\"}"));
        // One user with N traces; then its newest MOVED traces move to another user, newest first:
        // every move takes away the user's latest trace (last_seen must come from the rest).
        for (int i = 0; i < N; i++) {
            lines.add(event("hot-" + i, i, "trace-create", "{\"id\":\"t-hot-" + i + "\",\"userId\":\"u-hot\"}"));
        }
        for (int j = 0; j < MOVED; j++) {
            int i = N - 1 - j;
            lines.add(event("hot-move-" + i, N + 100 + j, "trace-create", "{\"id\":\"t-hot-" + i + "\",\"userId\":\"u-hot-2\","
                    + "\"timestamp\":\"" + BASE.plusMillis(i) + "\"}"));
        }
        // One user in WIDE environments, with 4 distinct score names per trace (4 x WIDE names).
        for (int i = 0; i < WIDE; i++) {
            lines.add(event("wide-" + i, i, "trace-create", "{\"id\":\"t-wide-" + i + "\",\"userId\":\"u-wide\","
                    + "\"environment\":\"env-" + i + "\"}"));
            for (int k = 0; k < 4; k++) {
                lines.add(event("wide-s-" + i + "-" + k, i + 1, "score-create", "{\"id\":\"s-wide-" + i + "-" + k
                        + "\",\"traceId\":\"t-wide-" + i + "\",\"name\":\"score-" + i + "-" + k + "\",\"value\":" + k + "}"));
            }
        }
        // 200 events with the most usage keys allowed.
        StringBuilder keys = new StringBuilder();
        for (int k = 0; k < 64; k++) {
            keys.append(k > 0 ? "," : "").append("\"k").append(k).append("\":1");
        }
        lines.add(event("keys-t", 0, "trace-create", "{\"id\":\"t-keys\",\"userId\":\"u-keys\"}"));
        for (int i = 0; i < 200; i++) {
            lines.add(event("keys-" + i, 1 + i, "generation-create", "{\"id\":\"o-keys-" + i + "\",\"traceId\":\"t-keys\","
                    + "\"startTime\":\"" + BASE + "\",\"usageDetails\":{" + keys + "}}"));
        }
        // Rejected whole: 10,000 usage keys, a record over 512 KiB, nesting 10,000 deep.
        StringBuilder many = new StringBuilder();
        for (int k = 0; k < 10_000; k++) {
            many.append(k > 0 ? "," : "").append("\"x").append(k).append("\":1");
        }
        lines.add(event("bad-keys", 0, "generation-create", "{\"id\":\"o-bad\",\"traceId\":\"t-keys\",\"userId\":\"u-keys\","
                + "\"usageDetails\":{" + many + "}}"));
        lines.add(event("bad-large", 0, "trace-create", "{\"id\":\"t-bad\",\"userId\":\"u-keys\",\"metadata\":\"" + "x".repeat(600_000) + "\"}"));
        lines.add(event("bad-deep", 0, "trace-create", "{\"id\":\"t-deep\",\"userId\":\"u-keys\",\"metadata\":"
                + "[".repeat(10_000) + "]".repeat(10_000) + "}"));
        return lines;
    }

    @Test
    void hostileWorkloadsNeitherFailNorStallTheJobAndStayExact() throws Exception {
        Topics.produce(TOPIC, 2, List.of()); // the topic; the workload comes once the job runs
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] a = JobArgs.bounded(TOPIC, SCHEMA, "--checkpoint-interval", "500ms", "--web-ui-port", Integer.toString(port));
        JobOptions o = JobOptions.parse(Arrays.stream(a).filter(x -> !x.equals("--bounded")).toArray(String[]::new));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(UserMetricsJob.flinkConfiguration(o));
        UserMetricsJob.configure(env, o);
        PostgresSinks sinks = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", SCHEMA);
        sinks.migrate();
        new UserMetricsJob(UserMetricsJob.kafkaSource(o), sinks).build(env);
        JobClient job = env.executeAsync("user-metrics-" + SCHEMA);
        try {
            String id = job.getJobID().toHexString();
            // Running, with a first checkpoint: checkpoints triggered while tasks still start
            // count as failed in Flink's statistics and say nothing about the input.
            FlinkCluster rest = new FlinkCluster("http://localhost:" + restPort(port));
            await("a first completed checkpoint", () -> checkpointCounts(rest, id).path("completed").asInt() > 0);
            int failedBefore = checkpointCounts(rest, id).path("failed").asInt();
            Topics.produce(TOPIC, 2, workload());
            await("every user's final row", () -> {
                var rows = SinkTables.totals(SCHEMA);
                var hot = rows.get(key("u-hot"));
                var big = rows.get(key("u-big-2"));
                var upd = rows.get(key("u-upd"));
                var keys = rows.get(key("u-keys"));
                var hot2 = rows.get(key("u-hot-2"));
                return hot != null && hot.traces() == N - MOVED && hot2 != null && hot2.traces() == MOVED && big != null && big.observations() == N && !rows.containsKey(key("u-big-1"))
                        && upd != null && upd.inputTokens() == N - 1 && keys != null && keys.observations() == 200
                        && rows.get(key("u-wide")) != null && rows.get(key("u-wide")).scores() == 4L * WIDE;
            });
            Map<UserKey, SinkTables.Values> rows = SinkTables.totals(SCHEMA);
            assertThat(rows.keySet()).containsExactlyInAnyOrder(key("u-hot"), key("u-hot-2"), key("u-big-2"), key("u-upd"), key("u-keys"),
                    key("u-wide"));
            assertThat(rows.get(key("u-wide")).traces()).isEqualTo(WIDE);
            assertThat(SinkTables.envTotals(SCHEMA).entrySet().stream().filter(e -> e.getKey().user().equals("u-wide")))
                    .hasSize(WIDE).allSatisfy(e -> {
                        // env-i holds trace t-wide-i, at BASE + i ms
                        assertThat(e.getValue().firstSeen()).isEqualTo(BASE.plusMillis(Integer.parseInt(e.getKey().env().substring(4))));
                        assertThat(e.getValue().traces()).isEqualTo(1);
                        assertThat(e.getValue().scores()).isEqualTo(4);
                    });
            var wideScores = SinkTables.scores(SCHEMA).entrySet().stream().filter(e -> e.getKey().user().equals("u-wide")).toList();
            assertThat(wideScores).hasSize(4 * WIDE).allSatisfy(e -> assertThat(e.getValue().count()).isEqualTo(1));
            assertThat(rows.get(key("u-hot")).firstSeen()).isEqualTo(BASE);
            assertThat(rows.get(key("u-hot")).lastSeen()).isEqualTo(BASE.plusMillis(N - MOVED - 1));
            assertThat(rows.get(key("u-hot-2")).firstSeen()).isEqualTo(BASE.plusMillis(N - MOVED));
            assertThat(rows.get(key("u-hot-2")).lastSeen()).isEqualTo(BASE.plusMillis(N - 1));
            assertThat(rows.get(key("u-upd"))).satisfies(v -> {
                assertThat(v.traces()).isEqualTo(1);
                assertThat(v.observations()).isEqualTo(1);
                assertThat(v.usage()).isEqualTo(Map.of("input", SinkTables.norm(BigDecimal.valueOf(N - 1))));
            });
            assertThat(rows.get(key("u-big-2"))).satisfies(v -> {
                assertThat(v.traces()).isEqualTo(1);
                assertThat(v.inputTokens()).isEqualTo(N);
            });
            assertThat(rows.get(key("u-hot")).observations()).isZero();
            Map<String, BigDecimal> keys = new TreeMap<>();
            for (int k = 0; k < 64; k++) {
                keys.put("k" + k, SinkTables.norm(BigDecimal.valueOf(200)));
            }
            assertThat(rows.get(key("u-keys"))).satisfies(v -> {
                assertThat(v.traces()).isEqualTo(1);
                assertThat(new TreeMap<>(v.usage())).isEqualTo(keys);
            });
            assertThat(SinkTables.rejectionsByReason(SCHEMA)).containsEntry("invalid_usage", 1)
                    .containsEntry("record_too_large", 1).containsEntry("nesting_too_deep", 1);

            // Not one failure, not one failed checkpoint while the workload ran.
            JsonNode exceptions = rest.get("/jobs/" + id + "/exceptions");
            assertThat(exceptions.path("exceptionHistory").path("entries")).as("job failures").isEmpty();
            JsonNode counts = checkpointCounts(rest, id);
            assertThat(counts.path("failed").asInt()).as("checkpoints failed during the workload").isEqualTo(failedBefore);
            assertThat(counts.path("completed").asInt()).isGreaterThan(1);
        } finally {
            job.cancel().get();
        }
    }

    private static JsonNode checkpointCounts(FlinkCluster rest, String jobId) throws Exception {
        return rest.get("/jobs/" + jobId + "/checkpoints").path("counts");
    }

    private static UserKey key(String user) {
        return new UserKey("p-hostile", user);
    }

    /** The MiniCluster's REST port: the first free one of the job's range from {@code port}. */
    private static int restPort(int port) throws Exception {
        for (int p = port; p <= port + 20; p++) { // the range the job binds (UserMetricsJob.WEB_UI_PORT_RANGE)
            try {
                new FlinkCluster("http://localhost:" + p).get("/config");
                return p;
            } catch (java.io.IOException notThis) {
                // next
            }
        }
        throw new AssertionError("no Flink REST endpoint from port " + port);
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        Await.until(what, Duration.ofSeconds(300), condition, () -> "user_metrics = " + SinkTables.totals(SCHEMA));
    }
}
