package dev.usermetrics.localcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The read-side benchmark: loads a million users (and 30 days of daily and hourly rows for a
 * realistic share of them) into a schema through the documented bulk path (the versioned DDL,
 * then set-based INSERT … SELECT), then runs every query of docs/queries.md many times as
 * metrics_reader and reports p50 / p95 of the time Postgres itself measured (EXPLAIN ANALYZE:
 * planning + execution, no network or client time).
 *
 * <p>Not a test: it asserts nothing and only prints. Target (issue): page queries p95 &lt; 50 ms
 * for all-time ranges.
 */
public final class QueryBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The last day of the loaded 30 days (UTC). */
    static final String LAST_DAY = "2026-03-30";
    public static final String PROJECT = "bench-p1";
    /** A user with 50,000 traces in 5,000 sessions: the user page lists' worst case. */
    static final String HEAVY_USER = "user-1";
    /** The reader role the queries run as: a member of metrics_reader granted {@link #PROJECT} (V9). */
    public static final String READER = "query_bench_reader";

    /**
     * Makes the statement's connection a reader bound to {@link #PROJECT}, as the Users page's
     * connections are (docs/queries.md): the role, its grant in the schema, SET ROLE, app.project_id.
     */
    public static void actAsReader(Statement s, String schema) throws SQLException {
        s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + READER + "') THEN "
                + "CREATE ROLE " + READER + " NOLOGIN IN ROLE metrics_reader; END IF; "
                + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        s.execute("INSERT INTO \"" + schema + "\".reader_projects (role_name, project_id) VALUES ('" + READER + "', '"
                + PROJECT + "') ON CONFLICT DO NOTHING");
        s.execute("SET ROLE " + READER);
        s.execute("SET app.project_id = '" + PROJECT + "'");
    }

    private final Connection c;
    private final String schema;
    private final Random rnd = new Random(7);

    private QueryBench(Connection c, String schema) {
        this.c = c;
        this.schema = schema;
    }

    /** The benchmark's data and cases on a connection (also used by QueryPlansIT). */
    public static QueryBench on(Connection c, String schema) {
        return new QueryBench(c, schema);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("--schema", "bench_queries", "--users", "1000000",
                "--active-share", "0.2", "--runs", "40", "--reload", "false", "--root", "."));
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--reload")) {
                o.put("--reload", "true");
            } else if (o.containsKey(args[i]) && i + 1 < args.length) {
                o.put(args[i], args[++i]);
            } else {
                System.err.println("usage: QueryBench [--schema S] [--users N] [--active-share F] [--runs R] [--reload] [--root DIR]");
                System.exit(2);
            }
        }
        Path root = Path.of(o.get("--root"));
        try (Connection c = LocalPostgres.connect()) {
            QueryBench b = new QueryBench(c, o.get("--schema"));
            int users = Integer.parseInt(o.get("--users"));
            double share = Double.parseDouble(o.get("--active-share"));
            if (Boolean.parseBoolean(o.get("--reload")) || !b.loaded(users, share)) {
                b.load(root.resolve("schemas/postgres"), users, share);
            }
            b.run(DocQueries.read(root.resolve("docs/queries.md")), users, share, Integer.parseInt(o.get("--runs")));
        }
    }

    // ---------------------------------------------------------------- bulk load

    private boolean loaded(int users, double share) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT users, active_share FROM " + schema + ".bench_info")) {
            return rs.next() && rs.getInt(1) == users && rs.getDouble(2) == share;
        } catch (SQLException missing) {
            return false;
        }
    }

    /** Drops and re-creates the schema with the versioned DDL, then loads users (see the class comment). */
    public void load(Path ddlDir, int users, double share) throws Exception {
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
            s.execute("SET search_path TO " + schema);
            List<Path> files;
            try (Stream<Path> list = Files.list(ddlDir)) {
                files = list.filter(p -> p.getFileName().toString().matches("V\\d+__.*\\.sql"))
                        .sorted((a, b) -> Integer.compare(version(a), version(b))).toList();
            }
            for (Path f : files) {
                log("applying " + f.getFileName());
                s.execute(Files.readString(f, StandardCharsets.UTF_8));
            }
            int activeEvery = (int) Math.round(1 / share);
            s.execute("SELECT setseed(0.42)");
            // Users: log-uniform trace counts (1..~1100), a few hundred to a few thousand tokens per
            // trace, $2 per million tokens; every 7th user in 'default', the others in 'production',
            // every 5th user also in 'staging' (a fifth of their traffic).
            step(s, "user_metrics (" + users + " users)", """
                    INSERT INTO user_metrics (project_id, user_id, trace_count, observation_count, score_count,
                        input_tokens, output_tokens, total_tokens, input_cost, output_cost, total_cost,
                        usage_details, cost_details, first_seen, last_seen, updated_at)
                    SELECT '%s', 'user-' || g, t, t * 3, t / 4, t * 700, t * 300, t * 1000,
                           round(t * 700 * 0.000002, 8), round(t * 300 * 0.000002, 8), round(t * 1000 * 0.000002, 8),
                           jsonb_build_object('input', t * 700, 'output', t * 300, 'total', t * 1000),
                           jsonb_build_object('total', round(t * 1000 * 0.000002, 8)),
                           timestamptz '2025-06-01' + (g %% 300) * interval '1 day',
                           timestamptz '%s' - (g %% 29) * interval '1 day', now()
                    FROM (SELECT g, greatest(1, floor(exp(random() * 7)))::bigint AS t
                          FROM generate_series(1, %d) g) u
                    """.formatted(PROJECT, LAST_DAY, users));
            step(s, "user_metrics_env", """
                    INSERT INTO user_metrics_env
                    SELECT m.project_id, m.user_id, e.env,
                           CASE WHEN e.env = 'staging' THEN m.trace_count / 5 ELSE m.trace_count - (m.trace_count / 5) * e.split END,
                           m.observation_count, m.score_count, m.input_tokens, m.output_tokens,
                           CASE WHEN e.env = 'staging' THEN m.total_tokens / 5 ELSE m.total_tokens - (m.total_tokens / 5) * e.split END,
                           m.input_cost, m.output_cost,
                           CASE WHEN e.env = 'staging' THEN round(m.total_cost / 5, 8) ELSE m.total_cost - round(m.total_cost / 5, 8) * e.split END,
                           m.usage_details, m.cost_details, m.first_seen, m.last_seen, now()
                    FROM user_metrics m
                    CROSS JOIN LATERAL (
                        SELECT CASE WHEN substr(m.user_id, 6)::int %% 7 = 0 THEN 'default' ELSE 'production' END AS env,
                               (substr(m.user_id, 6)::int %% 5 = 0)::int AS split
                        UNION ALL
                        SELECT 'staging', 1 WHERE substr(m.user_id, 6)::int %% 5 = 0) e
                    """.formatted());
            step(s, "user_scores", """
                    INSERT INTO user_scores (project_id, user_id, name, data_type, score_count, value_sum, value_counts, last_score_at, updated_at)
                    SELECT project_id, user_id, 'quality', 'NUMERIC', greatest(score_count, 1), round((random() * greatest(score_count, 1))::numeric, 3),
                           NULL::jsonb, last_seen, now()
                    FROM user_metrics WHERE substr(user_id, 6)::int %% 3 = 0
                    UNION ALL
                    SELECT project_id, user_id, 'helpful', 'BOOLEAN', 2, 1, '{"True": 1, "False": 1}', last_seen, now()
                    FROM user_metrics WHERE substr(user_id, 6)::int %% 10 = 0
                    """.formatted());
            // Active users (every 1/share-th user) have daily rows on a random subset of the last
            // 30 days (each with its own activity rate), and 1–3 hourly rows per active day.
            // Inserted in time order, as the job writes them (a bucket's rows appear while it is
            // current), so a day's rows sit together on disk as in production.
            step(s, "user_metrics_daily (30 days of the active users)", """
                    INSERT INTO user_metrics_daily (project_id, user_id, environment, bucket_start, trace_count, observation_count,
                        score_count, input_tokens, output_tokens, total_tokens, input_cost, output_cost, total_cost,
                        usage_details, cost_details, updated_at)
                    SELECT '%1$s', 'user-' || u.g, CASE WHEN u.g %% 7 = 0 THEN 'default' ELSE 'production' END,
                           timestamptz '%2$s' - d * interval '1 day', t, t * 3, 0, t * 700, t * 300, t * 1000,
                           round(t * 700 * 0.000002, 8), round(t * 300 * 0.000002, 8), round(t * 1000 * 0.000002, 8),
                           jsonb_build_object('input', t * 700, 'output', t * 300, 'total', t * 1000),
                           jsonb_build_object('total', round(t * 1000 * 0.000002, 8)), now()
                    FROM (SELECT g, random() * 0.4 AS rate FROM generate_series(%3$d, %4$d, %3$d) g) u
                    CROSS JOIN generate_series(0, 29) d
                    CROSS JOIN LATERAL (SELECT 1 + floor(random() * 20)::bigint + 0 * d + 0 * u.g AS t) tt -- correlated: a new value per row
                    WHERE random() < u.rate
                    ORDER BY d DESC, u.g
                    """.formatted(PROJECT, LAST_DAY, activeEvery, users));
            step(s, "user_metrics_hourly", """
                    INSERT INTO user_metrics_hourly (project_id, user_id, environment, bucket_start, trace_count, observation_count,
                        score_count, input_tokens, output_tokens, total_tokens, input_cost, output_cost, total_cost,
                        usage_details, cost_details, updated_at)
                    SELECT d.project_id, d.user_id, d.environment, d.bucket_start + h * interval '1 hour',
                           d.trace_count, d.observation_count, 0, d.input_tokens, d.output_tokens, d.total_tokens,
                           d.input_cost, d.output_cost, d.total_cost, d.usage_details, d.cost_details, now()
                    FROM user_metrics_daily d
                    CROSS JOIN LATERAL (SELECT DISTINCT (random() * 23)::int + 0 * d.trace_count::int AS h
                                        FROM generate_series(1, 1 + (d.trace_count % 3)::int)) hs
                    ORDER BY 4, 2
                    """);
            // Trailing windows as the job keeps them, at the clock's end of LAST_DAY: 24 h, 7 d and
            // 30 d summed from the hourly rows; 90 d for every user (the worst case: everyone was
            // active within 90 days), from the totals.
            step(s, "user_metrics_windows", """
                    INSERT INTO user_metrics_windows (project_id, user_id, environment, time_window, trace_count,
                        observation_count, score_count, input_tokens, output_tokens, total_tokens, input_cost, output_cost,
                        total_cost, calculated_total_cost, updated_at)
                    SELECT h.project_id, h.user_id, e.env, w.label, sum(h.trace_count), sum(h.observation_count),
                           sum(h.score_count), sum(h.input_tokens), sum(h.output_tokens), sum(h.total_tokens), sum(h.input_cost),
                           sum(h.output_cost), sum(h.total_cost), 0, now()
                    FROM user_metrics_hourly h
                    CROSS JOIN (VALUES ('24h', 24), ('7d', 168), ('30d', 720)) w(label, hours)
                    CROSS JOIN LATERAL (VALUES (h.environment), ('')) e(env)
                    WHERE h.bucket_start + w.hours * interval '1 hour' > timestamptz '%1$sT23:59:59Z'
                    GROUP BY 1, 2, 3, 4
                    UNION ALL
                    SELECT project_id, user_id, '', '90d', trace_count, observation_count, score_count, input_tokens,
                           output_tokens, total_tokens, input_cost, output_cost, total_cost, 0, now()
                    FROM user_metrics
                    UNION ALL
                    SELECT project_id, user_id, environment, '90d', trace_count, observation_count, score_count, input_tokens,
                           output_tokens, total_tokens, input_cost, output_cost, total_cost, 0, now()
                    FROM user_metrics_env
                    """.formatted(LAST_DAY));
            step(s, "user_model_metrics_daily", """
                    INSERT INTO user_model_metrics_daily
                    SELECT project_id, user_id, environment, bucket_start,
                           CASE WHEN substr(user_id, 6)::int %% 2 = 0 THEN 'gpt-4o' ELSE 'claude-sonnet-4' END,
                           observation_count, input_tokens, output_tokens, total_tokens, input_cost, output_cost, total_cost, now()
                    FROM user_metrics_daily
                    ORDER BY bucket_start, user_id
                    """.formatted());
            // The user page's lists: one trace per hourly row of the active users (at 17 past the
            // hour; two thirds in a session of the user's day, a third with one score), and one
            // heavy user with 50,000 traces in 5,000 sessions (a user page's worst case).
            step(s, "user_traces (one per hourly row)", """
                    INSERT INTO user_traces (project_id, trace_id, user_id, name, trace_time, environment, session_id,
                        observation_count, score_count, input_tokens, output_tokens, total_tokens, input_cost, output_cost,
                        total_cost, calculated_total_cost, updated_at)
                    SELECT project_id, md5(user_id || bucket_start::text), user_id, 'chat', bucket_start + interval '17 minutes',
                           environment,
                           CASE WHEN extract(hour FROM bucket_start)::int %% 3 <> 0
                                THEN user_id || '-s' || extract(doy FROM bucket_start)::int END,
                           observation_count, (extract(hour FROM bucket_start)::int %% 3 = 0)::int, input_tokens, output_tokens,
                           total_tokens, input_cost, output_cost, total_cost, total_cost, now()
                    FROM user_metrics_hourly
                    UNION ALL
                    SELECT '%1$s', 'heavy-' || g, '%2$s', 'agent', timestamptz '%3$sT23:00:00Z' - g * interval '1 minute',
                           'production', '%2$s-s' || (g / 10), 3, 0, 700, 300, 1000, 0.0014, 0.0006, 0.002, 0.002, now()
                    FROM generate_series(1, 50000) g
                    ORDER BY 5, 3
                    """.formatted(PROJECT, HEAVY_USER, LAST_DAY));
            step(s, "user_trace_scores (one per scored trace)", """
                    INSERT INTO user_trace_scores (project_id, trace_id, score_id, user_id, name, data_type, value, string_value,
                        score_time, environment, updated_at)
                    SELECT project_id, trace_id, 's-' || trace_id, user_id, 'quality', 'NUMERIC', 0.5, NULL,
                           trace_time + interval '1 minute', environment, now()
                    FROM user_traces WHERE score_count = 1
                    ORDER BY trace_time, user_id
                    """);
            step(s, "project_users", """
                    INSERT INTO project_users
                    SELECT project_id, '', count(*), now() FROM user_metrics GROUP BY project_id
                    UNION ALL
                    SELECT project_id, environment, count(*), now() FROM user_metrics_env GROUP BY project_id, environment
                    """);
            s.execute("CREATE TABLE bench_info AS SELECT " + users + " AS users, " + share + "::float8 AS active_share");
            log("VACUUM ANALYZE (visibility map for index-only scans, fresh statistics)...");
            s.execute("VACUUM ANALYZE");
        }
        log(String.format(Locale.ROOT, "loaded in %.0f s", (System.nanoTime() - t0) / 1e9));
    }

    private static int version(Path p) {
        String n = p.getFileName().toString();
        return Integer.parseInt(n.substring(1, n.indexOf("__")));
    }

    private void step(Statement s, String what, String sql) throws SQLException {
        long t0 = System.nanoTime();
        int n = s.executeUpdate(sql);
        log(String.format(Locale.ROOT, "%-50s %,10d rows %6.1f s", what, n, (System.nanoTime() - t0) / 1e9));
    }

    // ---------------------------------------------------------------- queries

    /** One measured case: a documented query with a way to pick parameters per run. */
    public record Case(String label, String query, boolean page, int runs, Function<Random, Map<String, String>> params) {}

    /**
     * The metric tables whose size grows with users: a page query must read none of them with a
     * sequential scan. (project_users has a row per project and environment: a scan of a handful
     * of rows is the planner's right choice.)
     */
    public static final List<String> METRIC_TABLES = List.of("user_metrics", "user_metrics_env", "user_metrics_hourly",
            "user_metrics_daily", "user_model_metrics_daily", "user_scores", "user_metrics_windows", "user_traces", "user_trace_scores");

    /** Every documented query, with parameters for data loaded with (users, share). */
    public static List<Case> cases(Map<String, String> queries, int users, double share, int runs) {
        int activeEvery = (int) Math.round(1 / share);
        Function<Random, String> anyUser = r -> "user-" + (1 + r.nextInt(users));
        Function<Random, String> activeUser = r -> "user-" + (activeEvery * (1 + r.nextInt(users / activeEvery)));
        String day = LAST_DAY + "T00:00:00Z";
        String dayAfter = "2026-03-31T00:00:00Z";
        String week = "2026-03-24T00:00:00Z";
        String month = "2026-03-01T00:00:00Z";
        int heavy = Math.max(3, runs / 8);
        List<Case> cases = List.of(
                new Case("users-list-by-cost, page 1", "users-list-by-cost", true, runs, r -> p("offset", "0")),
                new Case("users-list-by-cost, page 100", "users-list-by-cost", true, runs, r -> p("offset", "4950")),
                new Case("users-list-by-tokens, page 1", "users-list-by-tokens", true, runs, r -> p("offset", "0")),
                new Case("users-list-by-traces, page 1", "users-list-by-traces", true, runs, r -> p("offset", "0")),
                new Case("users-list-in-environment (staging), page 1", "users-list-in-environment", true, runs,
                        r -> p("environment", "staging")),
                new Case("users-count", "users-count", true, runs, r -> p()),
                new Case("users-recent-by-cost, 24h, page 1", "users-recent-by-cost", true, runs, r -> p("time_window", "24h")),
                new Case("users-recent-by-cost, 7d, page 1", "users-recent-by-cost", true, runs, r -> p("time_window", "7d")),
                new Case("users-recent-by-cost, 30d, page 1", "users-recent-by-cost", true, runs, r -> p("time_window", "30d")),
                new Case("users-recent-by-cost, 30d, production, page 1", "users-recent-by-cost", true, runs,
                        r -> p("time_window", "30d", "environment", "production")),
                new Case("users-recent-by-cost, 90d, page 1", "users-recent-by-cost", true, runs, r -> p("time_window", "90d")),
                new Case("users-recent-by-cost, 90d, page 100", "users-recent-by-cost", true, runs,
                        r -> p("time_window", "90d", "offset", "4950")),
                new Case("users-recent-by-cost, 24h, default, page 1", "users-recent-by-cost", true, runs,
                        r -> p("time_window", "24h", "environment", "default")),
                new Case("users-recent-by-tokens, 7d, page 1", "users-recent-by-tokens", true, runs, r -> p("time_window", "7d")),
                new Case("users-recent-by-traces, 90d, page 1", "users-recent-by-traces", true, runs, r -> p("time_window", "90d")),
                // A user's number: itself and the ids it is a part of (user-12345, user-123450..9).
                new Case("users-search, a user's number", "users-search", true, runs,
                        r -> p("search", Integer.toString(10_000 + r.nextInt(Math.max(1, Math.min(users, 100_000) - 10_000))))),
                new Case("users-search, 3 digits", "users-search", true, runs, r -> p("search", String.format(Locale.ROOT, "%03d", r.nextInt(1000)))),
                new Case("users-search, every user (\"user\")", "users-search", true, runs, r -> p("search", "user")),
                new Case("users-search, no match", "users-search", true, runs, r -> p("search", "nobody-" + r.nextInt(1000))),
                new Case("users-search-count, 3 digits", "users-search-count", true, runs,
                        r -> p("search", String.format(Locale.ROOT, "%03d", r.nextInt(1000)))),
                new Case("users-search-count, every user (1,000+)", "users-search-count", true, runs, r -> p("search", "user")),
                new Case("users-by-score-avg, page 1", "users-by-score-avg", true, runs,
                        r -> p("score_name", "quality", "data_type", "NUMERIC")),
                new Case("users-by-score-avg, page 100", "users-by-score-avg", true, runs,
                        r -> p("score_name", "quality", "data_type", "NUMERIC", "offset", "4950")),
                new Case("users-by-score-count, page 1", "users-by-score-count", true, runs,
                        r -> p("score_name", "helpful", "data_type", "BOOLEAN")),
                new Case("user-page", "user-page", true, runs, r -> p("user_id", anyUser.apply(r))),
                new Case("user-scores", "user-scores", true, runs, r -> p("user_id", "user-" + (3 * (1 + r.nextInt(users / 3))))),
                new Case("user-traces, page 1", "user-traces", true, runs, r -> p("user_id", activeUser.apply(r))),
                new Case("user-traces, 50,000 traces, page 1", "user-traces", true, runs, r -> p("user_id", HEAVY_USER)),
                new Case("user-traces, 50,000 traces, page 100", "user-traces", true, runs,
                        r -> p("user_id", HEAVY_USER, "offset", "4950")),
                new Case("user-sessions, page 1", "user-sessions", true, runs, r -> p("user_id", activeUser.apply(r))),
                new Case("user-sessions, 5,000 sessions, page 1", "user-sessions", true, runs, r -> p("user_id", HEAVY_USER)),
                new Case("user-score-list, page 1", "user-score-list", true, runs, r -> p("user_id", activeUser.apply(r))),
                new Case("user-series-by-day, 30 days", "user-series-by-day", true, runs,
                        r -> p("user_id", activeUser.apply(r), "from", month, "to", dayAfter)),
                new Case("user-series-by-month, 30 days", "user-series-by-month", true, runs,
                        r -> p("user_id", activeUser.apply(r), "from", month, "to", dayAfter)),
                new Case("user-daily-metrics, 30 days", "user-daily-metrics", true, runs,
                        r -> p("user_id", activeUser.apply(r), "from", month, "to", dayAfter)),
                new Case("user-daily-metrics-meta, 30 days", "user-daily-metrics-meta", true, runs,
                        r -> p("user_id", activeUser.apply(r), "from", month, "to", dayAfter)),
                new Case("user-budget-alerts", "user-budget-alerts", false, runs, r -> p("user_id", activeUser.apply(r))),
                new Case("users-list-in-range, 1 day", "users-list-in-range", false, heavy, r -> p("from", day, "to", dayAfter)),
                new Case("users-list-in-range, 7 days", "users-list-in-range", false, heavy, r -> p("from", week, "to", dayAfter)),
                new Case("users-list-in-range, 30 days", "users-list-in-range", false, heavy, r -> p("from", month, "to", dayAfter)),
                new Case("users-list-in-range, 30 days, production", "users-list-in-range", false, heavy,
                        r -> p("from", month, "to", dayAfter, "environment", "production")),
                new Case("metrics-traces-by-hour, 1 day", "metrics-traces-by-hour", false, heavy, r -> p("from", day, "to", dayAfter)),
                new Case("metrics-traces-by-day, 1 day", "metrics-traces-by-day", false, heavy, r -> p("from", day, "to", dayAfter)),
                new Case("metrics-traces-by-day, 30 days", "metrics-traces-by-day", false, heavy, r -> p("from", month, "to", dayAfter)),
                new Case("metrics-traces-by-week, 30 days", "metrics-traces-by-week", false, heavy, r -> p("from", month, "to", dayAfter)),
                new Case("metrics-traces-by-month, 30 days", "metrics-traces-by-month", false, heavy, r -> p("from", month, "to", dayAfter)),
                new Case("metrics-observations-by-day, 30 days", "metrics-observations-by-day", false, heavy,
                        r -> p("from", month, "to", dayAfter)));
        for (String q : queries.keySet()) {
            if (cases.stream().noneMatch(k -> k.query().equals(q))) {
                throw new IllegalStateException("docs/queries.md has a query the benchmark does not run: " + q);
            }
        }
        return cases;
    }

    /**
     * The metric tables a plan reads with a sequential scan (EXPLAIN (FORMAT JSON) output, any
     * depth): empty when every metric row it reads comes through an index.
     */
    public static List<String> sequentialScans(JsonNode plan) {
        List<String> out = new java.util.ArrayList<>();
        collectSeqScans(plan, out);
        return out;
    }

    private static void collectSeqScans(JsonNode node, List<String> out) {
        if (node.isArray()) {
            node.forEach(n -> collectSeqScans(n, out));
        } else if (node.isObject()) {
            JsonNode type = node.get("Node Type");
            JsonNode rel = node.get("Relation Name");
            if (type != null && rel != null && type.asText().contains("Seq Scan") && METRIC_TABLES.contains(rel.asText())) {
                out.add(rel.asText());
            }
            node.forEach(n -> collectSeqScans(n, out));
        }
    }

    /** The plan of a bound query, as JSON (without running it). */
    public static JsonNode plan(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery("EXPLAIN (FORMAT JSON) " + sql)) {
            rs.next();
            return JSON.readTree(rs.getString(1));
        }
    }

    private void run(Map<String, String> queries, int users, double share, int runs) throws Exception {
        List<Case> cases = cases(queries, users, share, runs);
        long[] counts = tableCounts();
        System.out.printf(Locale.ROOT, "%n%d users in %s; %,d user_metrics_env, %,d daily, %,d hourly, %,d model-daily, %,d user_scores,"
                + " %,d user_metrics_windows, %,d user_traces, %,d user_trace_scores rows%n%n", counts[0], PROJECT, counts[1], counts[2],
                counts[3], counts[4], counts[5], counts[6], counts[7], counts[8]);
        System.out.printf(Locale.ROOT, "| %-46s | %5s | %9s | %9s | %6s | %-24s |%n", "query", "runs", "p50 ms", "p95 ms", "target", "metric tables seq-scanned");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(48), "-".repeat(7), "-".repeat(11), "-".repeat(11), "-".repeat(8), "-".repeat(26));
        int pages = 0;
        int pagesOk = 0;
        try (Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + schema);
            actAsReader(s, schema);
            for (Case k : cases) {
                String sql = queries.get(k.query());
                double[] ms = new double[k.runs()];
                measure(s, DocQueries.bind(sql, k.params().apply(rnd))); // warm-up
                for (int i = 0; i < k.runs(); i++) {
                    ms[i] = measure(s, DocQueries.bind(sql, k.params().apply(rnd)));
                }
                Arrays.sort(ms);
                double p50 = percentile(ms, 0.50);
                double p95 = percentile(ms, 0.95);
                String target = "-";
                if (k.page()) {
                    pages++;
                    boolean ok = p95 < 50;
                    pagesOk += ok ? 1 : 0;
                    target = ok ? "ok" : "MISS";
                }
                List<String> seq = sequentialScans(plan(s, DocQueries.bind(sql, k.params().apply(rnd))));
                System.out.printf(Locale.ROOT, "| %-46s | %5d | %9.2f | %9.2f | %6s | %-24s |%n", k.label(), k.runs(), p50, p95, target,
                        seq.isEmpty() ? "none" : String.join(" ", seq));
            }
            s.execute("RESET ROLE");
        }
        System.out.printf(Locale.ROOT, "%nsummary: page-queries p95<50ms %d/%d users=%d%n", pagesOk, pages, counts[0]);
    }

    private long[] tableCounts() throws SQLException {
        String[] tables = {"user_metrics", "user_metrics_env", "user_metrics_daily", "user_metrics_hourly",
            "user_model_metrics_daily", "user_scores", "user_metrics_windows", "user_traces", "user_trace_scores"};
        long[] out = new long[tables.length];
        try (Statement s = c.createStatement()) {
            for (int i = 0; i < tables.length; i++) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + "." + tables[i])) {
                    rs.next();
                    out[i] = rs.getLong(1);
                }
            }
        }
        return out;
    }

    private static Map<String, String> p(String... kv) {
        Map<String, String> m = new LinkedHashMap<>(Map.of("project_id", PROJECT, "limit", "50", "offset", "0", "page", "1",
                "environment", "", "from", "2026-03-01T00:00:00Z", "to", "2026-03-31T00:00:00Z", "user_id", "user-1"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Planning + execution time as Postgres measured it, in ms. */
    private static double measure(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)) {
            rs.next();
            JsonNode plan = JSON.readTree(rs.getString(1)).get(0);
            return plan.get("Planning Time").asDouble() + plan.get("Execution Time").asDouble();
        }
    }

    private static double percentile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static void log(String msg) {
        System.err.printf("%tT %s%n", System.currentTimeMillis(), msg);
    }
}
