package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.localcluster.Produce;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real Langfuse JS SDK (@langfuse/tracing + @langfuse/otel + @langfuse/langchain 5.11.1 on the
 * OpenTelemetry Node SDK, pinned in src/test/resources/otel-sdk/package.json and its lock file,
 * installed here with {@code npm ci}) runs the patterns of Langfuse's user-tracking page
 * (scenario.mjs: startActiveObservation and the observe wrapper with propagateAttributes, the
 * LangChain CallbackHandler on a model served by {@link OpenAiStub}) and exports OTLP/HTTP (JSON)
 * to a real OpenTelemetry Collector ({@link Collector}), which writes each batch to Kafka with
 * {@code encoding: otlp_json}. The job reads the topic as otlp-json; the tables must hold exactly
 * what the scenario did. Skipped, with a message, where Node.js or Go is not installed.
 */
class JsSdkIT {
    private static final Path SOURCES = Path.of("src/test/resources/otel-sdk");
    private static final Path WORK = Path.of("target/otel-sdk");
    private static final String TOPIC = "it-js-sdk";

    /** Copies the pinned project and installs exactly its lock file (again only when it changed). */
    private static void install() throws Exception {
        Files.createDirectories(WORK);
        boolean changed = false;
        for (String f : List.of("package.json", "package-lock.json", "scenario.mjs")) {
            Path to = WORK.resolve(f);
            changed |= !Files.exists(to) || Files.mismatch(SOURCES.resolve(f), to) >= 0;
            Files.copy(SOURCES.resolve(f), to, StandardCopyOption.REPLACE_EXISTING);
        }
        if (changed || !Files.isDirectory(WORK.resolve("node_modules/@langfuse/langchain"))) {
            Commands.run(WORK, Map.of(), 600, "npm", "ci", "--no-audit", "--no-fund");
        }
    }

    @Test
    void theLangfuseJsSdkThroughTheCollectorGivesExactPerUserTables() throws Exception {
        Commands.assumeTool(Commands.available("node", "--version") && Commands.available("npm", "--version"),
                "Node.js (node and npm) is not on the PATH: the test with the real Langfuse JS SDK is skipped");
        Collector.assumeGo();
        install();
        Produce.createTopic(Services.kafkaBootstrap(), TOPIC, 2);
        try (OpenAiStub openAi = new OpenAiStub()) {
            try (Collector collector = Collector.start(TOPIC, "otlp_json")) {
                String out = Commands.run(WORK, Map.of("LANGFUSE_BASE_URL", collector.baseUrl(),
                        "OPENAI_BASE_URL", openAi.baseUrl(), "OPENAI_API_KEY", "sk-stub"), 180, "node", "scenario.mjs");
                assertThat(out).contains("done", "Propagated attribute 'userId' must be a string",
                        "Propagated attribute 'userId' value is over 200 characters");
            } // closed: the Collector flushes its last batch to Kafka
            assertThat(openAi.completions()).isEqualTo(1);
        }

        String schema = "it_js_sdk";
        // gpt-4o-mini is priced: user-b 1000 × 0.00000015 + 200 × 0.0000006 = 0.00027; user-c (the
        // stub's usage) 17 × 0.00000015 + 5 × 0.0000006 = 0.00000555.
        SinkTables.priceModel(schema, "mini", "gpt-4o-mini", "0.00000015", "0.0000006");
        JobArgs.run(JobArgs.bounded(TOPIC, schema, "--input.format", "otlp-json", "--otlp.default-project", "p-sdk"));

        // user-a: the root, the span ended before propagateAttributes (counted for its trace's
        // user), the nested span and the generation; usage keys containing "input": 321 + 64.
        // user-b: root + generation with usage only, priced. user-c: the LangChain call (span,
        // RunnableSequence, ChatPromptTemplate, ChatOpenAI generation). user-d: the two observed
        // functions. The four traces whose userId was invalid (dropped by the SDK, or by the
        // job's own rules) count for nobody.
        assertThat(SinkTables.rows("SELECT user_id, trace_count, observation_count, input_tokens, output_tokens, total_tokens,"
                + " total_cost, calculated_total_cost, usage_details::text FROM " + schema + ".user_metrics")).isEqualTo(Map.of(
                "user-a", "1 | 4 | 385 | 123 | 444 | 0.0000001734 | 0 | "
                        + "{\"input\": 321, \"total\": 444, \"output\": 123, \"input_cached_tokens\": 64}",
                "user-b", "1 | 2 | 1000 | 200 | 1200 | 0.00027 | 0.00027 | {\"input\": 1000, \"output\": 200}",
                "user-c", "1 | 4 | 17 | 5 | 22 | 0.00000555 | 0.00000555 | {\"input\": 17, \"total\": 22, \"output\": 5}",
                "user-d", "1 | 2 | 0 | 0 | 0 | 0 | 0 | {}"));
        assertThat(SinkTables.rows("SELECT project_id || '/' || user_id || '/' || environment || '/' || model, observation_count,"
                + " total_cost FROM " + schema + ".user_model_metrics_daily")).isEqualTo(Map.of(
                "p-sdk/user-a/production/", "3 | 0",
                "p-sdk/user-a/production/gpt-4o", "1 | 0.0000001734",
                "p-sdk/user-b/production/", "1 | 0",
                "p-sdk/user-b/production/gpt-4o-mini", "1 | 0.00027",
                "p-sdk/user-c/production/", "3 | 0",
                "p-sdk/user-c/production/gpt-4o-mini", "1 | 0.00000555",
                "p-sdk/user-d/production/", "2 | 0"));
        // propagateAttributes({sessionId}) reaches the job as the spans' session.id: user-a's trace is in one session.
        assertThat(SinkTables.rows("SELECT user_id, session_count FROM " + schema + ".user_metrics"))
                .isEqualTo(Map.of("user-a", "1", "user-b", "0", "user-c", "0", "user-d", "0"));
        // The job's user-ID rules on the attributes set directly: observation and trace event each.
        assertThat(SinkTables.rows("SELECT action || '/' || reason, count(*) FROM " + schema + ".rejected_events GROUP BY 1"))
                .isEqualTo(Map.of("user_id_dropped/user_id_not_string", "2", "user_id_dropped/user_id_too_long", "2"));
    }
}
