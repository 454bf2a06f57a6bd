package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.sink.SchemaMigrator;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Budgets and alerts end to end (real Kafka, Postgres, MiniCluster with RocksDB): crossings in
 * every window kind, several thresholds of one budget, corrections that resolve (a usage update,
 * a late user change), a budget changed while the job runs, a job cancelled right after a
 * crossing and restarted from its last checkpoint, and a failure injected between two crossings'
 * decision and their checkpoint (one record already in the open transaction) — each crossing is
 * in user_budget_alerts once and on the alerts topic once per state (read_committed). Expected
 * alerts are worked out by hand in the comments.
 */
class BudgetAlertsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every event at one instant of the current hour: all of them in one day, month and every trailing window. */
    private static final String TS = Instant.now().truncatedTo(ChronoUnit.MINUTES).toString();

    private static final String BUDGETS = "INSERT INTO %s.user_budgets (id, project_id, user_id, environment, measure, time_window,"
            + " limit_value, thresholds) VALUES"
            + " ('cost-all', 'p1', NULL, NULL, 'totalCost', 'all', 1, '{0.5,1}'),"
            + " ('cost-30d', 'p1', NULL, NULL, 'totalCost', '30d', 1, '{1}'),"
            + " ('alice-traces-day', 'p1', 'alice', NULL, 'countTraces', 'day', 2, '{1}'),"
            + " ('tokens-month-prod', 'p1', NULL, 'production', 'totalTokens', 'month', 100, '{1}'),"
            + " ('obs-24h', 'p1', NULL, NULL, 'countObservations', '24h', 3, '{1}'),"
            + " ('obs-7d', 'p1', NULL, NULL, 'countObservations', '7d', 3, '{1}'),"
            + " ('other-project', 'p2', NULL, NULL, 'totalCost', 'all', 0.000001, '{1}')";

    private static String event(String id, String type, String body) {
        return "{\"id\":\"" + id + "\",\"timestamp\":\"" + TS + "\",\"type\":\"" + type + "\",\"projectId\":\"p1\",\"body\":" + body + "}";
    }

    private static String trace(String eventId, String id, String user) {
        return event(eventId, "trace-create", "{\"id\":\"" + id + "\",\"userId\":\"" + user + "\",\"environment\":\"production\"}");
    }

    private static String generation(String eventId, String type, String traceId, String id, long tokens, String cost) {
        return event(eventId, type, "{\"id\":\"" + id + "\",\"traceId\":\"" + traceId + "\",\"startTime\":\"" + TS
                + "\",\"model\":\"gpt-x\",\"environment\":\"production\",\"usageDetails\":{\"total\":" + tokens
                + "},\"costDetails\":{\"total\":" + cost + "}}");
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            for (String st : statements) {
                s.execute(st);
            }
        }
    }

    /** "budget@threshold #crossing" → "state | value at crossing | value at resolution". */
    private static Map<String, String> alerts(String schema) throws SQLException {
        return SinkTables.rows("SELECT budget_id || '@' || trim(trailing '.' from trim(trailing '0' from threshold::text)) || ' #' || crossing"
                + " || ' ' || user_id, state, value_at_crossing, value_at_resolution FROM " + schema + ".user_budget_alerts");
    }

    private static JobOptions options(String topic, String schema, String alertsTopic, Path checkpoints, boolean bounded)
            throws JobOptions.UsageException {
        String[] args = JobArgs.bounded(topic, schema, "--checkpoint-interval", "1s", "--budgets.poll-interval", "200ms",
                "--alerts.topic", alertsTopic, "--checkpoint-dir", checkpoints.toUri().toString());
        return JobOptions.parse(bounded ? args : Arrays.stream(args).filter(a -> !a.equals("--bounded")).toArray(String[]::new));
    }

    private static void await(String what, String schema, Map<String, String> expected) throws Exception {
        Await.until(what, Duration.ofSeconds(120), () -> alerts(schema).equals(expected), () -> "now: " + alerts(schema));
    }

    @Test
    void liveAlertsCrossResolveFollowBudgetChangesAndSurviveARestart() throws Exception {
        String schema = "it_budgets_live";
        String topic = "it-budgets-live";
        String alertsTopic = "it-budget-alerts-live";
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        sql(BUDGETS.formatted(schema));
        Path checkpoints = Files.createTempDirectory("it-budgets");
        JobOptions o = options(topic, schema, alertsTopic, checkpoints, false);
        Topics.produce(topic, 2, List.of());
        Topics.produce(alertsTopic, 2, List.of());
        JobClient job = LiveJobs.start(o, null, true);
        Map<String, String> expected = new TreeMap<>();
        try {
            // alice $0.60, 60 tokens, 1 observation: 50 % of cost-all ($0.50).
            Topics.produce(topic, 2, List.of(trace("e1", "t1", "alice"), generation("e2", "generation-create", "t1", "g1", 60, "0.6")));
            expected.put("cost-all@0.5 #1 alice", "firing | 0.6 | null");
            await("cost-all 50 %", schema, expected);

            // + $0.50, 50 tokens: $1.10 crosses cost-all 100 % and cost-30d; 110 tokens cross the production month.
            Topics.produce(topic, 2, List.of(generation("e3", "generation-create", "t1", "g2", 50, "0.5")));
            expected.put("cost-all@1 #1 alice", "firing | 1.1 | null");
            expected.put("cost-30d@1 #1 alice", "firing | 1.1 | null");
            expected.put("tokens-month-prod@1 #1 alice", "firing | 110 | null");
            await("cost 100 %, tokens", schema, expected);

            // A second trace with one observation: 2 traces today (alice's own budget), 3 observations (24 h and 7 d).
            Topics.produce(topic, 2, List.of(trace("e4", "t2", "alice"), generation("e5", "generation-create", "t2", "g3", 0, "0")));
            expected.put("alice-traces-day@1 #1 alice", "firing | 2 | null");
            expected.put("obs-24h@1 #1 alice", "firing | 3 | null");
            expected.put("obs-7d@1 #1 alice", "firing | 3 | null");
            await("traces and observations", schema, expected);

            // A usage update corrects g2 to $0.10: $0.70 resolves cost-all 100 % and cost-30d (50 % stays firing).
            Topics.produce(topic, 2, List.of(generation("e6", "generation-update", "t1", "g2", 50, "0.1")));
            expected.put("cost-all@1 #1 alice", "resolved | 1.1 | 0.7");
            expected.put("cost-30d@1 #1 alice", "resolved | 1.1 | 0.7");
            await("a correction resolves", schema, expected);

            // A late user change moves t2 (and g3) to bob: alice has 1 trace, 2 observations; bob 1 and 1 (under every budget).
            Topics.produce(topic, 2, List.of(trace("e7", "t2", "bob")));
            expected.put("alice-traces-day@1 #1 alice", "resolved | 2 | 1");
            expected.put("obs-24h@1 #1 alice", "resolved | 3 | 2");
            expected.put("obs-7d@1 #1 alice", "resolved | 3 | 2");
            await("a user change resolves", schema, expected);

            // The budget changes live: cost-all's limit becomes $0.50; $0.70 crosses its 100 % again (crossing 2).
            sql("UPDATE " + schema + ".user_budgets SET limit_value = 0.5 WHERE id = 'cost-all'");
            expected.put("cost-all@1 #2 alice", "firing | 0.7 | null");
            await("a budget change applies to current totals", schema, expected);
            Thread.sleep(1500); // at least one checkpoint after the last alert: the restart below starts from it

            // g4: $0.40, one more observation ($1.10, 3 observations), and the job is cancelled right away: its
            // crossings (cost-30d #2, obs-24h #2, obs-7d #2) may be decided and sent but their checkpoint not completed.
            Topics.produce(topic, 2, List.of(generation("e8", "generation-create", "t1", "g4", 0, "0.4")));
            Thread.sleep(700);
            job.cancel().get();
            job = LiveJobs.start(o, LiveJobs.latestCheckpoint(checkpoints), true);
            expected.put("cost-30d@1 #2 alice", "firing | 1.1 | null");
            expected.put("obs-24h@1 #2 alice", "firing | 3 | null");
            expected.put("obs-7d@1 #2 alice", "firing | 3 | null");
            await("crossings across a restart", schema, expected);
            Thread.sleep(2500); // the topic's transactions of those checkpoints committed
        } finally {
            job.cancel().get();
        }
        // The topic, read_committed: each alert's firing record once, and its resolved record once when it resolved.
        Map<String, Integer> seen = new TreeMap<>();
        for (JsonNode a : readCommitted(alertsTopic)) {
            String key = a.get("budgetId").asText() + "@" + a.get("threshold").decimalValue().stripTrailingZeros().toPlainString()
                    + " #" + a.get("crossing").asInt() + " " + a.get("userId").asText() + " " + a.get("state").asText();
            seen.merge(key, 1, Integer::sum);
        }
        Map<String, Integer> want = new TreeMap<>();
        expected.forEach((alert, row) -> {
            want.put(alert + " firing", 1);
            if (row.startsWith("resolved")) {
                want.put(alert + " resolved", 1);
            }
        });
        assertThat(seen).isEqualTo(want);
        assertThat(SinkTables.rows("SELECT project_id, count(*) FROM " + schema + ".user_budget_alerts GROUP BY 1"))
                .as("p2's budget has no user in p2").isEqualTo(Map.of("p1", Integer.toString(expected.size())));
    }

    @Test
    void aBoundedRunJudgesTheFinalValuesOnce() throws Exception {
        String schema = "it_budgets_bounded";
        String topic = "it-budgets-bounded";
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        sql(BUDGETS.formatted(schema));
        Topics.produce(topic, 2, List.of(trace("e1", "t1", "alice"), generation("e2", "generation-create", "t1", "g1", 60, "0.6"),
                generation("e3", "generation-create", "t1", "g2", 50, "0.5"), trace("e4", "t2", "alice"),
                generation("e5", "generation-create", "t2", "g3", 0, "0"), generation("e6", "generation-update", "t1", "g2", 50, "0.1"),
                trace("e7", "t2", "bob"), generation("e8", "generation-create", "t1", "g4", 0, "0.4")));
        JobArgs.run(JobArgs.bounded(topic, schema, "--parallelism", "2"));
        // Final values: alice $1.10, 110 tokens, 1 trace, 3 observations; bob $0, 1 trace, 1 observation.
        assertThat(alerts(schema)).isEqualTo(Map.of(
                "cost-all@0.5 #1 alice", "firing | 1.1 | null",
                "cost-all@1 #1 alice", "firing | 1.1 | null",
                "cost-30d@1 #1 alice", "firing | 1.1 | null",
                "tokens-month-prod@1 #1 alice", "firing | 110 | null",
                "obs-24h@1 #1 alice", "firing | 3 | null",
                "obs-7d@1 #1 alice", "firing | 3 | null"));
    }

    @Test
    void tenThousandUsersWithADefaultBudgetGetExactlyTheirCrossings() throws Exception {
        String schema = "it_budgets_10k";
        String topic = "it-budgets-10k";
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        sql("INSERT INTO " + schema + ".user_budgets (id, project_id, measure, time_window, limit_value, thresholds) VALUES"
                + " ('cost', 'p1', 'totalCost', 'all', 1, '{0.5,1}'), ('traces', 'p1', 'countTraces', 'day', 2, '{1}')");
        // User i: trace a with $(i mod 100)/80; every third user a trace b with $0.25; for every 50th user, trace b
        // then moves (a later trace event) to user i + 1. Expected totals are computed here, independently of the job.
        int users = 10_000;
        List<String> lines = new ArrayList<>();
        Map<String, BigDecimal> cost = new TreeMap<>();
        Map<String, Integer> traces = new TreeMap<>();
        for (int i = 0; i < users; i++) {
            String u = "u-" + i;
            BigDecimal a = BigDecimal.valueOf(i % 100).divide(BigDecimal.valueOf(80));
            lines.add(trace("a" + i, "ta-" + i, u));
            lines.add(generation("ga" + i, "generation-create", "ta-" + i, "oa-" + i, i % 1000, a.toPlainString()));
            cost.merge(u, a, BigDecimal::add);
            traces.merge(u, 1, Integer::sum);
            if (i % 3 == 0) {
                String owner = i % 50 == 0 ? "u-" + (i + 1) : u;
                lines.add(trace("b" + i, "tb-" + i, u));
                lines.add(generation("gb" + i, "generation-create", "tb-" + i, "ob-" + i, 10, "0.25"));
                if (!owner.equals(u)) {
                    lines.add(event("m" + i, "trace-create", "{\"id\":\"tb-" + i + "\",\"userId\":\"" + owner
                            + "\",\"environment\":\"production\"}"));
                }
                cost.merge(owner, new BigDecimal("0.25"), BigDecimal::add);
                traces.merge(owner, 1, Integer::sum);
            }
        }
        Topics.produce(topic, 2, lines);
        JobArgs.run(JobArgs.bounded(topic, schema, "--parallelism", "2"));
        Map<String, String> expected = new TreeMap<>();
        cost.forEach((u, c) -> {
            for (String t : List.of("0.5", "1")) {
                if (c.compareTo(new BigDecimal(t)) >= 0) {
                    expected.put("cost@" + t + " #1 " + u, "firing | " + c.stripTrailingZeros().toPlainString() + " | null");
                }
            }
        });
        traces.forEach((u, n) -> {
            if (n >= 2) {
                expected.put("traces@1 #1 " + u, "firing | " + n + " | null");
            }
        });
        assertThat(expected).hasSizeGreaterThan(5_000); // the budgets matter: thousands of crossings of each kind
        assertThat(alerts(schema)).isEqualTo(expected);
    }

    /**
     * The alerts topic's record values, except that the second firing record at the threshold
     * fails (once per JVM: the MiniCluster runs in the test's). Two budgets cross it at the same
     * barrier, so the sink task fails after the budget stage decided both crossings, after the
     * first record went to the producer's open transaction, and before the checkpoint completes:
     * the job recovers from the checkpoint before it.
     */
    static final class FailingOnce implements org.apache.flink.api.common.serialization.SerializationSchema<dev.usermetrics.budgets.BudgetAlert> {
        static final java.util.concurrent.atomic.AtomicInteger SEEN = new java.util.concurrent.atomic.AtomicInteger();
        static final java.util.concurrent.atomic.AtomicInteger TRIPS = new java.util.concurrent.atomic.AtomicInteger();
        private final BigDecimal threshold;
        private final dev.usermetrics.sink.AlertTopic.Json json = new dev.usermetrics.sink.AlertTopic.Json();

        FailingOnce(String threshold) {
            this.threshold = new BigDecimal(threshold);
        }

        @Override
        public byte[] serialize(dev.usermetrics.budgets.BudgetAlert a) {
            if (a.threshold.compareTo(threshold) == 0 && a.state.equals("firing") && SEEN.incrementAndGet() == 2
                    && TRIPS.compareAndSet(0, 1)) {
                throw new IllegalStateException("injected: the alerts sink fails on " + a.alertId);
            }
            return json.serialize(a);
        }
    }

    @Test
    void aSinkFailureBetweenACrossingAndItsCheckpointSendsTheAlertOnceAfterTheRecovery() throws Exception {
        String schema = "it_budgets_fault";
        String topic = "it-budgets-fault";
        String alertsTopic = "it-budget-alerts-fault";
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        sql("INSERT INTO " + schema + ".user_budgets (id, project_id, measure, time_window, limit_value, thresholds)"
                + " VALUES ('cost', 'p1', 'totalCost', 'all', 1, '{0.5,1}'), ('cost-b', 'p1', 'totalCost', 'all', 1, '{1}')");
        JobOptions o = options(topic, schema, alertsTopic, Files.createTempDirectory("it-budgets-fault"), false);
        Topics.produce(topic, 2, List.of());
        Topics.produce(alertsTopic, 2, List.of());
        FailingOnce.SEEN.set(0);
        FailingOnce.TRIPS.set(0);
        JobClient job = LiveJobs.start(o, null, true, j -> j.withAlertTopic(dev.usermetrics.sink.AlertTopic.sink(
                Services.kafkaBootstrap(), alertsTopic, new Properties(), "it-alerts-fault", new FailingOnce("1"))));
        Map<String, String> expected = new TreeMap<>();
        try {
            Topics.produce(topic, 2, List.of(trace("e1", "t1", "alice"), generation("e2", "generation-create", "t1", "g1", 60, "0.6")));
            expected.put("cost@0.5 #1 alice", "firing | 0.6 | null");
            await("50 %", schema, expected);
            assertThat(FailingOnce.TRIPS.get()).isZero();
            // $1.10: both budgets' 100 % crossings are decided at a barrier, one record is in the open transaction, and
            // the sink fails on the other before that checkpoint completes; recovered from the checkpoint before, the
            // job decides them again, once.
            Topics.produce(topic, 2, List.of(generation("e3", "generation-create", "t1", "g2", 50, "0.5")));
            expected.put("cost@1 #1 alice", "firing | 1.1 | null");
            expected.put("cost-b@1 #1 alice", "firing | 1.1 | null");
            await("100 % after the recovery", schema, expected);
            assertThat(FailingOnce.TRIPS.get()).as("the injected failure happened").isEqualTo(1);
            Thread.sleep(2500); // the topic's transaction of that checkpoint committed
            assertThat(SinkTables.rows("SELECT 'alerts', count(*) FROM " + schema + ".user_budget_alerts"))
                    .as("no second row of a crossing").isEqualTo(Map.of("alerts", "3"));
        } finally {
            job.cancel().get();
        }
        Map<String, Integer> seen = new TreeMap<>();
        for (JsonNode a : readCommitted(alertsTopic)) {
            seen.merge(a.get("budgetId").asText() + "@" + a.get("threshold").decimalValue().stripTrailingZeros().toPlainString()
                    + " " + a.get("state").asText(), 1, Integer::sum);
        }
        assertThat(seen).as("read_committed: each record once").isEqualTo(Map.of("cost@0.5 firing", 1, "cost@1 firing", 1, "cost-b@1 firing", 1));
    }

    /** Every committed record of the topic, as JSON. */
    static List<JsonNode> readCommitted(String topic) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", Services.kafkaBootstrap());
        p.put("group.id", "it-budgets-reader-" + System.nanoTime());
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        List<JsonNode> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            long idleSince = System.nanoTime();
            while (System.nanoTime() - idleSince < Duration.ofSeconds(5).toNanos()) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    JsonNode n = JSON.readTree(r.value());
                    assertThat(r.key()).isEqualTo(n.get("alertId").asText());
                    out.add(n);
                    idleSince = System.nanoTime();
                }
            }
        }
        return out;
    }
}
