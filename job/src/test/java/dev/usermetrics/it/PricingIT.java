package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.sink.PostgresSinks;
import dev.usermetrics.sink.SchemaMigrator;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Cost from model prices, end to end (real Kafka, Postgres, MiniCluster with RocksDB): the
 * definitions in the sink schema's models tables price observations with usage but no cost,
 * with Langfuse's precedence; provided cost wins; unmatched models are counted; a price change
 * while the job runs re-prices what is in state exactly. Expected values are worked out by hand
 * from the prices in the comments (or in closed form), not by the job's code.
 */
class PricingIT {

    private static String event(String project, String id, String ts, String type, String body) {
        return "{\"id\":\"" + id + "\",\"timestamp\":\"" + ts + "\",\"type\":\"" + type
                + "\",\"projectId\":\"" + project + "\",\"body\":" + body + "}";
    }

    private static String trace(String project, String id, String ts, String user) {
        return event(project, "e-" + id, ts, "trace-create", "{\"id\":\"" + id + "\",\"userId\":\"" + user + "\"}");
    }

    private static String generation(String project, String traceId, String id, String ts, String model, String usage,
            String cost) {
        return event(project, "e-" + id, ts, "generation-create", "{\"id\":\"" + id + "\",\"traceId\":\"" + traceId
                + "\",\"startTime\":\"" + ts + "\",\"model\":\"" + model + "\",\"usageDetails\":" + usage
                + (cost == null ? "" : ",\"costDetails\":" + cost) + "}");
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            for (String st : statements) {
                s.execute(st);
            }
        }
    }

    /** project/user → total_cost | calculated_total_cost | provided_total_cost (plain, trailing zeros stripped). */
    private static Map<String, String> costs(String schema) throws SQLException {
        return SinkTables.rows("SELECT project_id || '/' || user_id, total_cost, calculated_total_cost, provided_total_cost FROM "
                + schema + ".user_metrics");
    }


    @Test
    void boundedRunPricesByPrecedenceKeepsProvidedCostAndCountsUnmatchedModels() throws Exception {
        String schema = "it_pricing";
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        sql("INSERT INTO " + schema + ".models (id, project_id, model_name, match_pattern, start_date) VALUES"
                        + " ('g-gpt', NULL, 'gpt-x', '(?i)^(openai/)?gpt-x$', NULL),"
                        + " ('p1-gpt', 'p1', 'gpt-x', '^gpt-x$', '2026-06-01T00:00:00Z'),"
                        + " ('g-embed', NULL, 'embed-x', '^embed-x$', NULL)",
                "INSERT INTO " + schema + ".model_prices VALUES"
                        + " ('g-gpt', 'input', 0.0000025), ('g-gpt', 'input_cached_tokens', 0.00000125),"
                        + " ('g-gpt', 'output', 0.00001),"
                        + " ('p1-gpt', 'input', 0.000001), ('p1-gpt', 'output', 0.000004),"
                        + " ('g-embed', 'total', 0.00000002)");

        List<String> lines = new ArrayList<>(List.of(
                trace("p1", "t1", "2026-05-20T10:00:00Z", "alice"),
                // before p1's own definition starts: global, 1000 × 0.0000025 + 200 × 0.00000125 + 333 × 0.00001
                // = 0.0025 + 0.00025 + 0.00333 = 0.00608
                generation("p1", "t1", "o1", "2026-05-20T10:00:01Z", "openai/gpt-x",
                        "{\"input\":1000,\"input_cached_tokens\":200,\"output\":333}", null),
                trace("p1", "t2", "2026-06-02T10:00:00Z", "alice"),
                // p1's definition: 1000 × 0.000001 + 500 × 0.000004 = 0.003
                generation("p1", "t2", "o2", "2026-06-02T10:00:01Z", "gpt-x", "{\"input\":1000,\"output\":500}", null),
                // provided cost wins: 0.5, nothing calculated
                generation("p1", "t2", "o3", "2026-06-02T10:00:02Z", "gpt-x", "{\"input\":1000}", "{\"total\":0.5}"),
                trace("p2", "t3", "2026-06-02T10:00:00Z", "bob"),
                // p1's definition is not p2's: global, 1000 × 0.0000025 + 500 × 0.00001 = 0.0075
                generation("p2", "t3", "o4", "2026-06-02T10:00:01Z", "gpt-x", "{\"input\":1000,\"output\":500}", null),
                // priced by total only: 1,000,000 × 0.00000002 = 0.02
                generation("p2", "t3", "o5", "2026-06-02T10:00:02Z", "embed-x", "{\"input\":1000000}", null),
                // no definition: unpriced, twice, for two users
                generation("p2", "t3", "o6", "2026-06-02T10:00:03Z", "llama-local", "{\"input\":50}", null),
                trace("p2", "t4", "2026-06-03T10:00:00Z", "carol"),
                generation("p2", "t4", "o7", "2026-06-03T10:00:01Z", "llama-local", "{\"input\":70}", null)));
        // Many small costs: observation i (1..3000) has input i and output 2i at the global price,
        // i × 0.0000025 + 2i × 0.00001 = i × 0.0000225; Σ = 0.0000225 × 3000 × 3001 / 2 = 101.28375.
        int n = 3000;
        for (int t = 0; t < 30; t++) {
            lines.add(trace("p3", "d" + t, "2026-07-01T10:00:00Z", "dana"));
        }
        for (int i = 1; i <= n; i++) {
            lines.add(generation("p3", "d" + (i % 30), "dn" + i, "2026-07-01T10:00:01Z", "gpt-x",
                    "{\"input\":" + i + ",\"output\":" + (2 * i) + "}", null));
        }
        // Every event twice: duplicates change nothing.
        List<String> doubled = new ArrayList<>(lines);
        doubled.addAll(lines);
        Topics.produce("it-pricing", 3, doubled);

        JobArgs.run(JobArgs.bounded("it-pricing", schema, "--parallelism", "2"));

        assertThat(costs(schema)).isEqualTo(Map.of(
                "p1/alice", "0.50908 | 0.00908 | 0.5",
                "p2/bob", "0.0275 | 0.0275 | 0",
                "p2/carol", "0 | 0 | 0",
                "p3/dana", "101.28375 | 101.28375 | 0"));
        // input_cost: alice 0.0025 + 0.001 (o3's provided cost has no input key) + cached 0.00025
        // (keys containing "input"); output: 0.00333 + 0.002.
        assertThat(SinkTables.rows("SELECT project_id || '/' || user_id, input_cost, output_cost, cost_details FROM " + schema
                + ".user_metrics WHERE user_id = 'alice'")).isEqualTo(Map.of("p1/alice",
                "0.00375 | 0.00533 | {\"input\": 0.0035, \"total\": 0.50908, \"output\": 0.00533, \"input_cached_tokens\": 0.00025}"));
        assertThat(SinkTables.rows("SELECT project_id || '/' || user_id || '/' || model || '/' || bucket_start::date, total_cost,"
                + " calculated_total_cost, provided_total_cost, unpriced_observation_count FROM " + schema
                + ".user_model_metrics_daily WHERE project_id <> 'p3'")).isEqualTo(Map.of(
                "p1/alice/openai/gpt-x/2026-05-20", "0.00608 | 0.00608 | 0 | 0",
                "p1/alice/gpt-x/2026-06-02", "0.503 | 0.003 | 0.5 | 0",
                "p2/bob/gpt-x/2026-06-02", "0.0075 | 0.0075 | 0 | 0",
                "p2/bob/embed-x/2026-06-02", "0.02 | 0.02 | 0 | 0",
                "p2/bob/llama-local/2026-06-02", "0 | 0 | 0 | 1",
                "p2/carol/llama-local/2026-06-03", "0 | 0 | 0 | 1"));
        assertThat(SinkTables.rows("SELECT project_id || '/' || model, unpriced_observations, users, first_day::date, last_day::date FROM "
                + schema + ".unmatched_models")).isEqualTo(Map.of("p2/llama-local", "2 | 2 | 2026-06-02 | 2026-06-03"));
        // The time buckets carry the same split.
        assertThat(SinkTables.rows("SELECT user_id, sum(total_cost), sum(calculated_total_cost) FROM " + schema
                + ".user_metrics_hourly GROUP BY user_id")).isEqualTo(Map.of(
                "alice", "0.50908 | 0.00908", "bob", "0.0275 | 0.0275", "carol", "0 | 0", "dana", "101.28375 | 101.28375"));
    }

    private static void await(String what, Callable<Boolean> condition, Callable<Object> state) throws Exception {
        Await.until(what, Duration.ofSeconds(120), condition, () -> "now: " + state.call());
    }

    @Test
    void priceChangesWhileTheJobRunsRepriceTheObservationsInStateExactly() throws Exception {
        String schema = "it_pricing_live";
        String topic = "it-pricing-live";
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        sql("INSERT INTO " + schema + ".models (id, project_id, model_name, match_pattern) VALUES"
                        + " ('g-gpt', NULL, 'gpt-x', '^gpt-x$')",
                "INSERT INTO " + schema + ".model_prices VALUES ('g-gpt', 'input', 0.0000025), ('g-gpt', 'output', 0.00001)");
        String[] unbounded = Arrays.stream(JobArgs.bounded(topic, schema, "--checkpoint-interval", "500ms"))
                .filter(x -> !x.equals("--bounded")).toArray(String[]::new);
        JobOptions o = JobOptions.parse(unbounded);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(UserMetricsJob.flinkConfiguration(o));
        UserMetricsJob.configure(env, o);
        PostgresSinks sinks = new PostgresSinks(Services.postgresUrl(), Services.postgresUser(), "", schema);
        Topics.produce(topic, 1, List.of());
        new UserMetricsJob(UserMetricsJob.kafkaSource(o), sinks, UserMetricsJob.DEFAULT_TRACE_TTL, Duration.ofMillis(300))
                .build(env);
        var client = env.executeAsync("user-metrics-pricing-live");
        Callable<Object> state = () -> costs(schema) + " unmatched=" + SinkTables.rows(
                "SELECT project_id || '/' || model, unpriced_observations FROM " + schema + ".unmatched_models");
        try {
            Topics.produce(topic, 1, List.of(
                    trace("p", "t1", "2026-05-01T10:00:00Z", "alice"),
                    // 1000 × 0.0000025 + 500 × 0.00001 = 0.0075
                    generation("p", "t1", "o1", "2026-05-01T10:00:01Z", "gpt-x", "{\"input\":1000,\"output\":500}", null)));
            await("o1 priced", () -> "0.0075 | 0.0075 | 0".equals(costs(schema).get("p/alice")), state);

            // The input price doubles: 1000 × 0.000005 + 500 × 0.00001 = 0.01.
            sql("UPDATE " + schema + ".model_prices SET price = 0.000005 WHERE model_id = 'g-gpt' AND usage_type = 'input'");
            await("o1 re-priced", () -> "0.01 | 0.01 | 0".equals(costs(schema).get("p/alice")), state);

            Topics.produce(topic, 1, List.of(
                    generation("p", "t1", "o2", "2026-05-01T10:00:02Z", "llama-local", "{\"input\":100}", null)));
            await("llama-local unmatched", () -> SinkTables.rows("SELECT project_id || '/' || model, unpriced_observations FROM "
                    + schema + ".unmatched_models").equals(Map.of("p/llama-local", "1")), state);

            // A project definition for it: 100 × 0.001 = 0.1; nothing unmatched any more.
            sql("INSERT INTO " + schema + ".models (id, project_id, model_name, match_pattern) VALUES"
                            + " ('p-llama', 'p', 'llama-local', '^llama-local$')",
                    "INSERT INTO " + schema + ".model_prices VALUES ('p-llama', 'total', 0.001)");
            await("o2 priced", () -> "0.11 | 0.11 | 0".equals(costs(schema).get("p/alice"))
                    && SinkTables.rows("SELECT model, 1 FROM " + schema + ".unmatched_models").isEmpty(), state);

            // New observations use the current prices: 1000 × 0.000005 = 0.005; a provided cost of 1 stays 1.
            Topics.produce(topic, 1, List.of(
                    generation("p", "t1", "o3", "2026-05-01T10:00:03Z", "gpt-x", "{\"input\":1000}", null),
                    generation("p", "t1", "o4", "2026-05-01T10:00:04Z", "gpt-x", "{\"input\":1000}", "{\"total\":1}")));
            await("o3 and o4", () -> "1.115 | 0.115 | 1".equals(costs(schema).get("p/alice")), state);

            // Deleting a definition takes its cost back out: o2 is unmatched again.
            sql("DELETE FROM " + schema + ".models WHERE id = 'p-llama'");
            await("o2 unpriced again", () -> "1.015 | 0.015 | 1".equals(costs(schema).get("p/alice"))
                    && SinkTables.rows("SELECT project_id || '/' || model, unpriced_observations FROM " + schema
                            + ".unmatched_models").equals(Map.of("p/llama-local", "1")), state);
            assertThat(SinkTables.rows("SELECT user_id, total_cost, calculated_total_cost FROM " + schema + ".user_metrics_daily"))
                    .isEqualTo(Map.of("alice", "1.015 | 0.015"));
        } finally {
            client.cancel().get();
        }
    }
}
