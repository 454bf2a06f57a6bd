package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.localcluster.DocQueries;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every query of docs/queries.md, run as a reader bound to the projects (a member of metrics_reader) on a small hand-made dataset
 * (src/test/resources/queries/dataset.jsonl) that went through the real job, must return exactly
 * the rows written below. The expected rows were worked out by hand from the dataset: see the
 * comments, which give the derivation.
 *
 * <p>Dataset, project p1 (p2 holds another "alice", which must never leak into p1):
 * <ul>
 *   <li>t1 alice, production, 03-02 10:00: g1 gpt-4o 100/50/150 tokens $0.003 (sent twice), g2
 *       claude-sonnet-4 10/5 (total 15) $0.0005; scores s1 quality 0.8 then corrected to 0.9
 *       (11:00, first timestamp kept), s2 helpful BOOLEAN 1 (11:05).</li>
 *   <li>t2 alice, "Staging" → staging, 03-03 09:00: g3 gpt-4o 200/100/300 $0.006; s3 quality 0.4 (09:30).</li>
 *   <li>t3 bob, production, 03-02 12:00: g4 gpt-4o 1000/500/1500 $0.03, sp1 span without model or
 *       usage; s4 sentiment "good" (categorical, inferred), s5 helpful BOOLEAN 0.</li>
 *   <li>t4 bob, production, 03-10 08:00 (next ISO week): g5 gpt-4o-mini 50/20/70 $0.0001.</li>
 *   <li>t5 carol (set late, on a generation-update), no environment → default, 04-01 00:30
 *       (next month): g6 gpt-4o 1/1/2 $0.00002; s6 quality 1.0.</li>
 *   <li>t6 erin then frank (a later trace event wins), default, 03-02 13:00 (first body.timestamp
 *       kept): g7 gpt-4o 5/5/10 $0.0001.</li>
 *   <li>a score without traceId: rejected.</li>
 * </ul>
 */
class QueriesIT {
    private static final String SCHEMA = "it_queries";
    private static final String READER = "it_queries_reader";
    private static Map<String, String> queries;

    @BeforeAll
    static void runTheJobOnTheDataset() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/queries/dataset.jsonl"), StandardCharsets.UTF_8);
        // The job's data clock is the records' Kafka time: all of them 2026-04-01T20:30Z (the trailing windows' "now").
        Topics.produceAt("it-queries", 2, lines, java.time.Instant.parse("2026-04-01T20:30:00Z").toEpochMilli());
        // Budgets (docs/budgets.md), judged on the final values: p1, every user, $0.01 over all time at 50 % and 100 %;
        // p2, at most 1 trace.
        dev.usermetrics.sink.SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", SCHEMA);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + SCHEMA + ".user_budgets (id, project_id, measure, time_window, limit_value, thresholds) VALUES"
                    + " ('p1-cost', 'p1', 'totalCost', 'all', 0.01, '{0.5,1}'), ('p2-traces', 'p2', 'countTraces', 'all', 1, '{1}')"
                    + " ON CONFLICT DO NOTHING");
        }
        JobArgs.run(JobArgs.bounded("it-queries", SCHEMA, "--parallelism", "2"));
        queries = DocQueries.read(Path.of("..", "docs", "queries.md"));
        // The Users page's role: a member of metrics_reader granted both projects (V9; TenantBindingIT).
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN CREATE ROLE " + READER + " NOLOGIN IN ROLE metrics_reader; "
                    + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            s.execute("INSERT INTO " + SCHEMA + ".reader_projects (role_name, project_id) VALUES ('" + READER + "', 'p1'), ('"
                    + READER + "', 'p2') ON CONFLICT DO NOTHING");
        }
    }

    private static Map<String, String> params(String... kv) {
        Map<String, String> p = new TreeMap<>(Map.of("project_id", "p1", "limit", "50", "offset", "0", "page", "1",
                "from", "2026-03-01T00:00:00Z", "to", "2026-05-01T00:00:00Z", "environment", ""));
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    /** Runs a documented query as the bound reader; every cell rendered canonically (see cell()). */
    private static List<String> run(String name, Map<String, String> params) throws SQLException {
        String sql = queries.get(name);
        assertThat(sql).as("query %s in docs/queries.md", name).isNotNull();
        List<String> rows = new ArrayList<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            s.execute("SET search_path TO " + SCHEMA);
            s.execute("SET ROLE " + READER);
            s.execute("SET app.project_id = '" + params.get("project_id").replace("'", "''") + "'");
            try (ResultSet rs = s.executeQuery(DocQueries.bind(sql, params))) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    List<String> cells = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        cells.add(cell(rs, i, md.getColumnTypeName(i)));
                    }
                    rows.add(String.join(" | ", cells));
                }
            }
        }
        return rows;
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    /** Numbers without trailing zeros, timestamps as UTC instants, JSON with sorted keys. */
    private static String cell(ResultSet rs, int i, String type) throws SQLException {
        if (rs.getObject(i) == null) {
            return "null";
        }
        return switch (type) {
            case "numeric", "int8", "int4" -> plain(rs.getBigDecimal(i));
            case "timestamptz" -> rs.getObject(i, OffsetDateTime.class).toInstant().toString();
            case "jsonb" -> json(rs.getString(i));
            default -> rs.getString(i);
        };
    }

    private static String plain(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }

    private static String json(String text) {
        try {
            return JSON.writeValueAsString(sorted(JSON.readTree(text)));
        } catch (Exception e) {
            throw new IllegalStateException(text, e);
        }
    }

    private static Object sorted(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                m.put(e.getKey(), sorted(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(sorted(x)));
            return l;
        }
        if (n.isNumber()) {
            return new BigDecimal(plain(n.decimalValue()));
        }
        return n.isNull() ? null : n.asText();
    }

    // Per-user rows of the users list, all time, all environments. Columns: userId, firstTrace,
    // lastTrace, totalTraces, totalObservations, prompt, completion, total tokens, cost, scores, sessions, feedback.
    // Sessions: alice's two traces share chat-1 (one session, in both environments), bob has
    // chat-2 and chat-3, frank chat-4 (erin's chat-9 went with the trace), carol none.
    // alice: t1+t2; 3 observations; 100+10+200 / 50+5+100 / 150+15+300; 0.003+0.0005+0.006; s1 s2 s3.
    private static final String ALICE = "alice | 2026-03-02T10:00:00Z | 2026-03-03T09:00:00Z | 2 | 3 | 310 | 155 | 465 | 0.0095 | 3 | 1 | "
            + "[{\"avg\":1,\"count\":1,\"dataType\":\"BOOLEAN\",\"name\":\"helpful\",\"values\":{\"True\":1}},"
            + "{\"avg\":0.65,\"count\":2,\"dataType\":\"NUMERIC\",\"name\":\"quality\",\"values\":null}]";
    // bob: t3+t4; g4, sp1, g5; 1000+50 / 500+20 / 1500+70; 0.03+0.0001; s4 s5.
    private static final String BOB = "bob | 2026-03-02T12:00:00Z | 2026-03-10T08:00:00Z | 2 | 3 | 1050 | 520 | 1570 | 0.0301 | 2 | 2 | "
            + "[{\"avg\":0,\"count\":1,\"dataType\":\"BOOLEAN\",\"name\":\"helpful\",\"values\":{\"False\":1}},"
            + "{\"avg\":null,\"count\":1,\"dataType\":\"CATEGORICAL\",\"name\":\"sentiment\",\"values\":{\"good\":1}}]";
    private static final String CAROL = "carol | 2026-04-01T00:30:00Z | 2026-04-01T00:30:00Z | 1 | 1 | 1 | 1 | 2 | 0.00002 | 1 | 0 | "
            + "[{\"avg\":1,\"count\":1,\"dataType\":\"NUMERIC\",\"name\":\"quality\",\"values\":null}]";
    private static final String FRANK = "frank | 2026-03-02T13:00:00Z | 2026-03-02T13:00:00Z | 1 | 1 | 5 | 5 | 10 | 0.0001 | 0 | 1 | null";

    @Test
    void usersListOrderedByCostTokensAndTraces() throws Exception {
        assertThat(run("users-list-by-cost", params())).containsExactly(BOB, ALICE, FRANK, CAROL);
        assertThat(run("users-list-by-cost", params("limit", "2", "offset", "2"))).containsExactly(FRANK, CAROL);
        // userId, traces, observations, tokens, cost
        assertThat(run("users-list-by-tokens", params())).containsExactly(
                "bob | 2 | 3 | 1570 | 0.0301", "alice | 2 | 3 | 465 | 0.0095", "frank | 1 | 1 | 10 | 0.0001", "carol | 1 | 1 | 2 | 0.00002");
        // Ties on traces are broken by userId.
        assertThat(run("users-list-by-traces", params())).containsExactly(
                "alice | 2 | 3 | 465 | 0.0095", "bob | 2 | 3 | 1570 | 0.0301", "carol | 1 | 1 | 2 | 0.00002", "frank | 1 | 1 | 10 | 0.0001");
        assertThat(run("users-count", params())).containsExactly("4");
        assertThat(run("users-list-by-cost", params("limit", "1", "offset", "3"))).containsExactly(CAROL);
    }

    @Test
    void projectsAreIsolated() throws Exception {
        assertThat(run("users-list-by-cost", params("project_id", "p2"))).containsExactly(
                "alice | 2026-03-02T10:00:00Z | 2026-03-02T10:00:00Z | 1 | 1 | 7 | 3 | 10 | 1 | 1 | 1 | "
                        + "[{\"avg\":5,\"count\":1,\"dataType\":\"NUMERIC\",\"name\":\"quality\",\"values\":null}]");
        assertThat(run("users-count", params("project_id", "p3"))).containsExactly("0");
    }

    @Test
    void usersListInOneEnvironment() throws Exception {
        // userId, environment, first, last, traces, observations, tokens, cost, scores.
        // production: bob's t3+t4; alice's t1 only (t2 is staging).
        assertThat(run("users-list-in-environment", params("environment", "production"))).containsExactly(
                "bob | production | 2026-03-02T12:00:00Z | 2026-03-10T08:00:00Z | 2 | 3 | 1570 | 0.0301 | 2",
                "alice | production | 2026-03-02T10:00:00Z | 2026-03-02T10:00:00Z | 1 | 2 | 165 | 0.0035 | 2");
        assertThat(run("users-list-in-environment", params("environment", "staging"))).containsExactly(
                "alice | staging | 2026-03-03T09:00:00Z | 2026-03-03T09:00:00Z | 1 | 1 | 300 | 0.006 | 1");
        assertThat(run("users-list-in-environment", params("environment", "default"))).containsExactly(
                "frank | default | 2026-03-02T13:00:00Z | 2026-03-02T13:00:00Z | 1 | 1 | 10 | 0.0001 | 0",
                "carol | default | 2026-04-01T00:30:00Z | 2026-04-01T00:30:00Z | 1 | 1 | 2 | 0.00002 | 1");
    }

    @Test
    void usersListInATimeRange() throws Exception {
        // 03-02 and 03-03 only: bob's t4 (03-10) and carol (04-01) are outside.
        // userId, traces, observations, prompt, completion, total tokens, cost, scores.
        Map<String, String> range = params("from", "2026-03-02T00:00:00Z", "to", "2026-03-04T00:00:00Z");
        assertThat(run("users-list-in-range", range)).containsExactly(
                "bob | 1 | 2 | 1000 | 500 | 1500 | 0.03 | 2",
                "alice | 2 | 3 | 310 | 155 | 465 | 0.0095 | 3",
                "frank | 1 | 1 | 5 | 5 | 10 | 0.0001 | 0");
        range.put("environment", "production");
        assertThat(run("users-list-in-range", range)).containsExactly(
                "bob | 1 | 2 | 1000 | 500 | 1500 | 0.03 | 2",
                "alice | 1 | 2 | 110 | 55 | 165 | 0.0035 | 2");
    }

    @Test
    void usersListOverTheLastDaysFromTheJobsTrailingWindows() throws Exception {
        // Clock 2026-04-01T20:29:59.999 (Kafka time 20:30, minus 1 ms): the 24-hour window holds
        // the hours from 03-31 21:00, 7 days from 03-25 21:00 (both: carol's t5 and s6 only), 30
        // days from 03-02 21:00 (nothing of 03-02: not t1, t3, t6, nor their scores), 90 days all.
        // userId, traces, observations, prompt, completion, total tokens, cost, scores.
        String carol = "carol | 1 | 1 | 1 | 1 | 2 | 0.00002 | 1";
        assertThat(run("users-recent-by-cost", params("time_window", "24h"))).containsExactly(carol);
        assertThat(run("users-recent-by-cost", params("time_window", "7d"))).containsExactly(carol);
        assertThat(run("users-recent-by-cost", params("time_window", "30d"))).containsExactly(
                "alice | 1 | 1 | 200 | 100 | 300 | 0.006 | 1", // t2 (staging) with s3
                "bob | 1 | 1 | 50 | 20 | 70 | 0.0001 | 0",     // t4
                carol);
        assertThat(run("users-recent-by-cost", params("time_window", "30d", "environment", "production"))).containsExactly(
                "bob | 1 | 1 | 50 | 20 | 70 | 0.0001 | 0");
        // 90 days: everything, as the all-time list.
        assertThat(run("users-recent-by-cost", params("time_window", "90d"))).containsExactly(
                "bob | 2 | 3 | 1050 | 520 | 1570 | 0.0301 | 2", "alice | 2 | 3 | 310 | 155 | 465 | 0.0095 | 3",
                "frank | 1 | 1 | 5 | 5 | 10 | 0.0001 | 0", carol);
        assertThat(run("users-recent-by-tokens", params("time_window", "90d", "limit", "2"))).containsExactly(
                "bob | 2 | 3 | 1050 | 520 | 1570 | 0.0301 | 2", "alice | 2 | 3 | 310 | 155 | 465 | 0.0095 | 3");
        // Ties on traces are broken by userId.
        assertThat(run("users-recent-by-traces", params("time_window", "90d", "offset", "1"))).containsExactly(
                "bob | 2 | 3 | 1050 | 520 | 1570 | 0.0301 | 2", carol, "frank | 1 | 1 | 5 | 5 | 10 | 0.0001 | 0");
        assertThat(run("users-recent-by-cost", params("time_window", "90d", "project_id", "p2"))).containsExactly(
                "alice | 1 | 1 | 7 | 3 | 10 | 1 | 1");
    }

    @Test
    void searchByUserIdIsACaseInsensitiveSubstringInCostOrder() throws Exception {
        // userId, traces, observations, tokens, cost, scores. "a": alice, frank, carol (not bob).
        assertThat(run("users-search", params("search", "a"))).containsExactly(
                "alice | 2 | 3 | 465 | 0.0095 | 3", "frank | 1 | 1 | 10 | 0.0001 | 0", "carol | 1 | 1 | 2 | 0.00002 | 1");
        assertThat(run("users-search", params("search", "AL"))).containsExactly("alice | 2 | 3 | 465 | 0.0095 | 3");
        assertThat(run("users-search", params("search", "rO"))).containsExactly("carol | 1 | 1 | 2 | 0.00002 | 1");
        assertThat(run("users-search", params("search", "ali", "limit", "1", "offset", "1"))).isEmpty();
        // Wildcards in the search text are literal characters, which no user id here has.
        assertThat(run("users-search", params("search", "%"))).isEmpty();
        assertThat(run("users-search", params("search", "_"))).isEmpty();
        assertThat(run("users-search", params("search", "a\\"))).isEmpty();
        // p2's alice only in p2.
        assertThat(run("users-search", params("search", "alice", "project_id", "p2"))).containsExactly("alice | 1 | 1 | 10 | 1 | 1");
        assertThat(run("users-search-count", params("search", "a"))).containsExactly("3");
        assertThat(run("users-search-count", params("search", "%"))).containsExactly("0");
        assertThat(run("users-search-count", params("search", "alice", "project_id", "p2"))).containsExactly("1");
    }

    @Test
    void usersSegmentedByFeedback() throws Exception {
        // userId, avg, count, traces, tokens, cost. quality (NUMERIC): carol 1.0; alice (0.9 + 0.4) / 2.
        assertThat(run("users-by-score-avg", params("score_name", "quality", "data_type", "NUMERIC"))).containsExactly(
                "carol | 1 | 1 | 1 | 2 | 0.00002", "alice | 0.65 | 2 | 2 | 465 | 0.0095");
        // helpful (BOOLEAN, the average is the share of true): alice 1, bob 0.
        assertThat(run("users-by-score-avg", params("score_name", "helpful", "data_type", "BOOLEAN"))).containsExactly(
                "alice | 1 | 1 | 2 | 465 | 0.0095", "bob | 0 | 1 | 2 | 1570 | 0.0301");
        assertThat(run("users-by-score-avg", params("score_name", "quality", "data_type", "NUMERIC", "offset", "1")))
                .containsExactly("alice | 0.65 | 2 | 2 | 465 | 0.0095");
        assertThat(run("users-by-score-avg", params("score_name", "quality", "data_type", "BOOLEAN"))).isEmpty();
        // userId, count, avg, traces, tokens, cost.
        assertThat(run("users-by-score-count", params("score_name", "quality", "data_type", "NUMERIC"))).containsExactly(
                "alice | 2 | 0.65 | 2 | 465 | 0.0095", "carol | 1 | 1 | 1 | 2 | 0.00002");
        assertThat(run("users-by-score-count", params("score_name", "sentiment", "data_type", "CATEGORICAL"))).containsExactly(
                "bob | 1 | null | 2 | 1570 | 0.0301");
    }

    @Test
    void userPageAndScores() throws Exception {
        String helpful = "{\"count\":1,\"dataType\":\"BOOLEAN\",\"lastScoreAt\":\"2026-03-02T11:05:00+00:00\",\"name\":\"helpful\","
                + "\"avgValue\":1,\"sumValue\":1,\"valueCounts\":{\"True\":1}}";
        String quality = "{\"count\":2,\"dataType\":\"NUMERIC\",\"lastScoreAt\":\"2026-03-03T09:30:00+00:00\",\"name\":\"quality\","
                + "\"avgValue\":0.65,\"sumValue\":1.3,\"valueCounts\":null}";
        String scores = json("[" + helpful + "," + quality + "]");
        // environment, first, last, traces, observations, prompt, completion, total, cost, scores count, sessions, scores.
        assertThat(run("user-page", params("user_id", "alice"))).containsExactly(
                "null | 2026-03-02T10:00:00Z | 2026-03-03T09:00:00Z | 2 | 3 | 310 | 155 | 465 | 0.0095 | 3 | 1 | " + scores,
                "production | 2026-03-02T10:00:00Z | 2026-03-02T10:00:00Z | 1 | 2 | 110 | 55 | 165 | 0.0035 | 2 | 1 | " + scores,
                "staging | 2026-03-03T09:00:00Z | 2026-03-03T09:00:00Z | 1 | 1 | 200 | 100 | 300 | 0.006 | 1 | 1 | " + scores);
        assertThat(run("user-page", params("user_id", "bob")).get(0)).contains(" | 0.0301 | 2 | 2 | ");
        assertThat(run("user-page", params("user_id", "erin"))).isEmpty(); // her only trace went to frank
        // name, dataType, count, sum, avg, value counts, last score.
        assertThat(run("user-scores", params("user_id", "alice"))).containsExactly(
                "helpful | BOOLEAN | 1 | 1 | 1 | {\"True\":1} | 2026-03-02T11:05:00Z",
                "quality | NUMERIC | 2 | 1.3 | 0.65 | null | 2026-03-03T09:30:00Z");
        assertThat(run("user-scores", params("user_id", "bob"))).containsExactly(
                "helpful | BOOLEAN | 1 | 0 | 0 | {\"False\":1} | 2026-03-02T12:31:00Z",
                "sentiment | CATEGORICAL | 1 | null | null | {\"good\":1} | 2026-03-02T12:30:00Z");
    }

    /**
     * The user page's lists. Traces (id, name, time, environment, session, observations, prompt,
     * completion, total tokens, cost, scores): t1 has g1 100/50/150 $0.003 and g2 10/5/15 $0.0005
     * and scores s1, s2; t6 was erin's "draft", then frank's "final" (the later trace event wins,
     * its first body.timestamp stays); t4 and t5 have no name, t5 no session.
     */
    @Test
    void theUsersTracesSessionsAndScores() throws Exception {
        assertThat(run("user-traces", params("user_id", "alice"))).containsExactly(
                "t2 | chat | 2026-03-03T09:00:00Z | staging | chat-1 | 1 | 200 | 100 | 300 | 0.006 | 1",
                "t1 | chat | 2026-03-02T10:00:00Z | production | chat-1 | 2 | 110 | 55 | 165 | 0.0035 | 2");
        assertThat(run("user-traces", params("user_id", "alice", "limit", "1", "offset", "1"))).containsExactly(
                "t1 | chat | 2026-03-02T10:00:00Z | production | chat-1 | 2 | 110 | 55 | 165 | 0.0035 | 2");
        assertThat(run("user-traces", params("user_id", "bob"))).containsExactly(
                "t4 | null | 2026-03-10T08:00:00Z | production | chat-3 | 1 | 50 | 20 | 70 | 0.0001 | 0",
                "t3 | summarize | 2026-03-02T12:00:00Z | production | chat-2 | 2 | 1000 | 500 | 1500 | 0.03 | 2");
        assertThat(run("user-traces", params("user_id", "frank"))).containsExactly(
                "t6 | final | 2026-03-02T13:00:00Z | default | chat-4 | 1 | 5 | 5 | 10 | 0.0001 | 0");
        assertThat(run("user-traces", params("user_id", "erin"))).isEmpty();
        assertThat(run("user-traces", params("user_id", "carol"))).containsExactly(
                "t5 | null | 2026-04-01T00:30:00Z | default | null | 1 | 1 | 1 | 2 | 0.00002 | 1");
        // p2's alice is another user: her own trace only.
        assertThat(run("user-traces", params("project_id", "p2", "user_id", "alice"))).containsExactly(
                "t7 | null | 2026-03-02T10:00:00Z | production | chat-p2 | 1 | 7 | 3 | 10 | 1 | 1");

        // Sessions: id, traces, first, last, prompt, completion, total tokens, cost, environments.
        assertThat(run("user-sessions", params("user_id", "alice"))).containsExactly(
                "chat-1 | 2 | 2026-03-02T10:00:00Z | 2026-03-03T09:00:00Z | 310 | 155 | 465 | 0.0095 | {production,staging}");
        assertThat(run("user-sessions", params("user_id", "bob"))).containsExactly(
                "chat-3 | 1 | 2026-03-10T08:00:00Z | 2026-03-10T08:00:00Z | 50 | 20 | 70 | 0.0001 | {production}",
                "chat-2 | 1 | 2026-03-02T12:00:00Z | 2026-03-02T12:00:00Z | 1000 | 500 | 1500 | 0.03 | {production}");
        assertThat(run("user-sessions", params("user_id", "carol"))).isEmpty();

        // Scores: id, trace, name, data type, value, string value, time (the first one kept), environment.
        assertThat(run("user-score-list", params("user_id", "alice"))).containsExactly(
                "s3 | t2 | quality | NUMERIC | 0.4 | null | 2026-03-03T09:30:00Z | staging",
                "s2 | t1 | helpful | BOOLEAN | 1 | True | 2026-03-02T11:05:00Z | production",
                "s1 | t1 | quality | NUMERIC | 0.9 | null | 2026-03-02T11:00:00Z | production");
        assertThat(run("user-score-list", params("user_id", "bob"))).containsExactly(
                "s5 | t3 | helpful | BOOLEAN | 0 | False | 2026-03-02T12:31:00Z | production",
                "s4 | t3 | sentiment | CATEGORICAL | null | good | 2026-03-02T12:30:00Z | production");
    }

    @Test
    void metricsApiByHourDayWeekAndMonth() throws Exception {
        // userId, time_dimension, count, tokens, cost. 10:00–13:00: alice's 11:00 hour holds only
        // scores (no row), frank's trace at 13:00 is outside.
        assertThat(run("metrics-traces-by-hour", params("from", "2026-03-02T10:00:00Z", "to", "2026-03-02T13:00:00Z"))).containsExactly(
                "alice | 2026-03-02T10:00:00Z | 1 | 165 | 0.0035",
                "bob | 2026-03-02T12:00:00Z | 1 | 1500 | 0.03");
        assertThat(run("metrics-traces-by-day", params())).containsExactly(
                "alice | 2026-03-02 | 1 | 165 | 0.0035",
                "bob | 2026-03-02 | 1 | 1500 | 0.03",
                "frank | 2026-03-02 | 1 | 10 | 0.0001",
                "alice | 2026-03-03 | 1 | 300 | 0.006",
                "bob | 2026-03-10 | 1 | 70 | 0.0001",
                "carol | 2026-04-01 | 1 | 2 | 0.00002");
        // ISO weeks start on Monday: 2026-03-02, 03-09 and 03-30 (04-01 is a Wednesday).
        assertThat(run("metrics-traces-by-week", params())).containsExactly(
                "alice | 2026-03-02 | 2 | 465 | 0.0095",
                "bob | 2026-03-02 | 1 | 1500 | 0.03",
                "frank | 2026-03-02 | 1 | 10 | 0.0001",
                "bob | 2026-03-09 | 1 | 70 | 0.0001",
                "carol | 2026-03-30 | 1 | 2 | 0.00002");
        assertThat(run("metrics-traces-by-month", params())).containsExactly(
                "alice | 2026-03-01 | 2 | 465 | 0.0095",
                "bob | 2026-03-01 | 2 | 1570 | 0.0301",
                "frank | 2026-03-01 | 1 | 10 | 0.0001",
                "carol | 2026-04-01 | 1 | 2 | 0.00002");
        assertThat(run("metrics-traces-by-month", params("limit", "1"))).hasSize(1);
        // Observations: alice has g1+g2 on 03-02, bob g4+sp1.
        assertThat(run("metrics-observations-by-day", params())).containsExactly(
                "alice | 2026-03-02 | 2 | 165 | 0.0035",
                "bob | 2026-03-02 | 2 | 1500 | 0.03",
                "frank | 2026-03-02 | 1 | 10 | 0.0001",
                "alice | 2026-03-03 | 1 | 300 | 0.006",
                "bob | 2026-03-10 | 1 | 70 | 0.0001",
                "carol | 2026-04-01 | 1 | 2 | 0.00002");
        // timeDimension, traces, observations, tokens, cost.
        assertThat(run("user-series-by-day", params("user_id", "alice"))).containsExactly(
                "2026-03-02T00:00:00Z | 1 | 2 | 165 | 0.0035",
                "2026-03-03T00:00:00Z | 1 | 1 | 300 | 0.006");
        assertThat(run("user-series-by-month", params("user_id", "bob"))).containsExactly(
                "2026-03-01T00:00:00Z | 2 | 3 | 1570 | 0.0301");
        assertThat(run("user-series-by-month", params("user_id", "carol"))).containsExactly(
                "2026-04-01T00:00:00Z | 1 | 1 | 2 | 0.00002");
    }

    /** The result columns of a documented query, as a client sees them. */
    private static List<String> columns(String name, Map<String, String> params) throws SQLException {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + SCHEMA);
            s.execute("SET ROLE " + READER);
            s.execute("SET app.project_id = 'p1'");
            try (ResultSet rs = s.executeQuery(DocQueries.bind(queries.get(name), params))) {
                List<String> out = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    out.add(rs.getMetaData().getColumnLabel(i));
                }
                return out;
            }
        }
    }

    @Test
    void metricsApiResultsAreShapedAsLangfuseNamesThem() throws Exception {
        // Langfuse's query builder: the dimension's alias, time_dimension, <aggregation>_<measure>.
        for (String q : List.of("metrics-traces-by-hour", "metrics-traces-by-day", "metrics-traces-by-week",
                "metrics-traces-by-month", "metrics-observations-by-day")) {
            assertThat(columns(q, params())).as(q).containsExactly("userId", "time_dimension", "count_count",
                    "sum_totalTokens", "sum_totalCost");
        }
        // The daily endpoint's item: date, countTraces, countObservations, totalCost, usage[].
        assertThat(columns("user-daily-metrics", params("user_id", "alice"))).containsExactly(
                "date", "countTraces", "countObservations", "totalCost", "usage");
    }

    @Test
    void dailyMetricsPerModel() throws Exception {
        // date, traces, observations, cost, usage per model (model null last; its traces: distinct traces with an
        // observation of the model that day).
        assertThat(run("user-daily-metrics", params("user_id", "alice"))).containsExactly(
                "2026-03-03 | 1 | 1 | 0.006 | " + json("[{\"model\":\"gpt-4o\",\"inputUsage\":200,\"outputUsage\":100,"
                        + "\"totalUsage\":300,\"countObservations\":1,\"countTraces\":1,\"totalCost\":0.006}]"),
                "2026-03-02 | 1 | 2 | 0.0035 | " + json("[{\"model\":\"claude-sonnet-4\",\"inputUsage\":10,\"outputUsage\":5,"
                        + "\"totalUsage\":15,\"countObservations\":1,\"countTraces\":1,\"totalCost\":0.0005},{\"model\":\"gpt-4o\",\"inputUsage\":100,"
                        + "\"outputUsage\":50,\"totalUsage\":150,\"countObservations\":1,\"countTraces\":1,\"totalCost\":0.003}]"));
        // Paged as Langfuse pages the days (page 2 of 1 day each: the older day); meta counts the days with traces.
        assertThat(run("user-daily-metrics", params("user_id", "alice", "limit", "1", "offset", "1")))
                .singleElement().asString().startsWith("2026-03-02 | 1 | 2 | 0.0035 | ");
        assertThat(run("user-daily-metrics-meta", params("user_id", "alice", "page", "2", "limit", "1")))
                .containsExactly("2 | 1 | 2 | 2");
        assertThat(run("user-daily-metrics-meta", params("user_id", "alice"))).containsExactly("1 | 50 | 2 | 1");
        // toTimestamp is exclusive: a range ending at 03-03 00:00 leaves alice's 03-03 day out.
        assertThat(run("user-daily-metrics-meta", params("user_id", "alice", "to", "2026-03-03T00:00:00Z")))
                .containsExactly("1 | 50 | 1 | 1");
        assertThat(run("user-daily-metrics", params("user_id", "bob"))).containsExactly(
                "2026-03-10 | 1 | 1 | 0.0001 | " + json("[{\"model\":\"gpt-4o-mini\",\"inputUsage\":50,\"outputUsage\":20,"
                        + "\"totalUsage\":70,\"countObservations\":1,\"countTraces\":1,\"totalCost\":0.0001}]"),
                "2026-03-02 | 1 | 2 | 0.03 | " + json("[{\"model\":\"gpt-4o\",\"inputUsage\":1000,\"outputUsage\":500,"
                        + "\"totalUsage\":1500,\"countObservations\":1,\"countTraces\":1,\"totalCost\":0.03},{\"model\":null,\"inputUsage\":0,"
                        + "\"outputUsage\":0,\"totalUsage\":0,\"countObservations\":1,\"countTraces\":1,\"totalCost\":0}]"));
    }

    @Test
    void budgetAlerts() throws Exception {
        // p1-cost: alice $0.0095 >= $0.005 (50 %); bob $0.0301 >= both; frank $0.0001 and carol $0.00002 under.
        assertThat(run("user-budget-alerts", params("user_id", "bob"))).containsExactly(
                "p1-cost | 0.5 | 1 | firing | totalCost | all | 0.0301 | 0.005 | null",
                "p1-cost | 1 | 1 | firing | totalCost | all | 0.0301 | 0.01 | null");
        assertThat(run("user-budget-alerts", params("user_id", "alice"))).containsExactly(
                "p1-cost | 0.5 | 1 | firing | totalCost | all | 0.0095 | 0.005 | null");
        assertThat(run("user-budget-alerts", params("user_id", "frank"))).isEmpty();
        // p2's alice (1 trace) is p2's, never p1's.
        assertThat(run("user-budget-alerts", params("project_id", "p2", "user_id", "alice"))).containsExactly(
                "p2-traces | 1 | 1 | firing | countTraces | all | 1 | 1 | null");
    }

    /** Every view shows the rows of the connection's app.project_id and nothing without one. */
    @Test
    void everyViewIsScopedToTheConnectionsProject() throws Exception {
        List<String> views = new ArrayList<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.views WHERE table_schema = '" + SCHEMA + "'")) {
            while (rs.next()) {
                views.add(rs.getString(1));
            }
        }
        assertThat(views).hasSize(16).contains("unmatched_models", "user_traces_list", "user_sessions_list", "user_scores_list",
                "user_budgets_list", "user_budget_alerts_list");
        // unmatched_models is for operators (all projects): readers are not granted it.
        views.remove("unmatched_models");
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("SET ROLE " + READER);
            assertThatThrownBy(() -> s.executeQuery("SELECT count(*) FROM " + SCHEMA + ".unmatched_models"))
                    .hasMessageContaining("permission denied");
            for (String v : views) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SCHEMA + "." + v)) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("%s without app.project_id", v).isZero();
                }
                for (String project : List.of("p1", "p2")) {
                    s.execute("SET app.project_id = '" + project + "'");
                    try (ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE \"projectId\" <> '" + project
                            + "') FROM " + SCHEMA + "." + v)) {
                        rs.next();
                        assertThat(rs.getLong(1)).as("%s rows of %s", v, project).isPositive();
                        assertThat(rs.getLong(2)).as("%s rows of another project seen by %s", v, project).isZero();
                    }
                }
                s.execute("RESET app.project_id");
            }
            // The tables are not granted to readers at all; row-level security guards them too.
            s.execute("RESET ROLE");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = '" + SCHEMA
                    + "' AND tablename <> 'schema_migrations' AND NOT rowsecurity")) {
                rs.next();
                assertThat(rs.getLong(1)).as("tables without row-level security").isZero();
            }
        }
    }

    @Test
    void everyDocumentedQueryIsCoveredHere() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/usermetrics/it/QueriesIT.java"));
        for (String name : queries.keySet()) {
            assertThat(source).as("QueriesIT runs %s", name).contains("run(\"" + name + "\"");
        }
    }

    @Test
    void theReaderSeesItsProjectAndWritesNothing() throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("SET ROLE " + READER);
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM " + SCHEMA + ".user_metrics_by_day"))
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM " + SCHEMA + ".user_metrics"))
                    .hasMessageContaining("permission denied");
            s.execute("SET app.project_id = 'p1'");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SCHEMA + ".users_list")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(4 + 5); // p1: 4 users + 5 (user, environment) rows
            }
            // The tables too, under row-level security: the project's rows only.
            try (ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT project_id) FROM " + SCHEMA + ".user_metrics")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(4);
                assertThat(rs.getLong(2)).isEqualTo(1);
            }
        }
        assertThat(SinkTables.rejectionsByReason(SCHEMA)).isEqualTo(Map.of("score_without_trace", 1));
        // Users per project and environment, kept by the job: erin (whose trace went to frank) is not counted.
        assertThat(SinkTables.projectUsers(SCHEMA)).isEqualTo(Map.of(
                "p1/*", 4L, "p1/production", 2L, "p1/staging", 1L, "p1/default", 2L, "p2/*", 1L, "p2/production", 1L));
    }
}
