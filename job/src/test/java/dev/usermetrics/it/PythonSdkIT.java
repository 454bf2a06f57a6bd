package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.localcluster.Produce;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real Langfuse Python SDK (langfuse 5.0.4 with openai, langchain-openai; every package pinned
 * in src/test/resources/python-sdk/requirements.txt, installed here into a virtual environment)
 * runs the Python snippets of Langfuse's user-tracking page, one program each, essentially
 * verbatim: the @observe() decorator, observations created directly, the langfuse.openai drop-in
 * client and the LangChain CallbackHandler (their model served by {@link OpenAiStub}), plus userIds
 * at and over the limits. The SDK exports OTLP/HTTP (protobuf, gzip) to a real OpenTelemetry
 * Collector ({@link Collector}) running the project's config with the overlay that names the
 * project after the SDK's public key; the Collector writes otlp_proto to Kafka; the job reads it
 * with no default project. Skipped, with a message, where Python or Go is not installed.
 */
class PythonSdkIT {
    private static final Path SOURCES = Path.of("src/test/resources/python-sdk");
    private static final Path WORK = Path.of("target/python-sdk");
    private static final String TOPIC = "it-python-sdk";
    private static final String PUBLIC_KEY = "pk-lf-python-it";

    /** A virtual environment with exactly requirements.txt (made again only when that file changed). */
    private static Path install() throws Exception {
        Files.createDirectories(WORK);
        Path venv = WORK.resolve("venv").toAbsolutePath();
        Path installed = WORK.resolve("installed-requirements.txt");
        Path wanted = SOURCES.resolve("requirements.txt");
        if (!Files.exists(installed) || Files.mismatch(installed, wanted) >= 0) {
            Commands.run(WORK, Map.of(), 300, "python3", "-m", "venv", "--clear", venv.toString());
            Commands.run(WORK, Map.of(), 900, venv.resolve("bin/pip").toString(), "install", "--no-input",
                    "--disable-pip-version-check", "-r", wanted.toAbsolutePath().toString());
            Files.copy(wanted, installed, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return venv.resolve("bin/python");
    }

    @Test
    void thePythonSdkPatternsThroughTheCollectorGiveExactPerUserTables() throws Exception {
        Commands.assumeTool(Commands.available("python3", "-m", "venv", "--help"),
                "python3 with its venv module is not on the PATH: the test with the real Langfuse Python SDK is skipped");
        Collector.assumeGo();
        Path python = install();
        Produce.createTopic(Services.kafkaBootstrap(), TOPIC, 2);
        String warnings;
        try (OpenAiStub openAi = new OpenAiStub()) {
            try (Collector collector = Collector.start(TOPIC, "otlp_proto", "otel-collector-project-from-key.yaml")) {
                Map<String, String> env = Map.of("LANGFUSE_BASE_URL", collector.baseUrl(),
                        "LANGFUSE_PUBLIC_KEY", PUBLIC_KEY, "LANGFUSE_SECRET_KEY", "sk-lf-python-it",
                        "OPENAI_BASE_URL", openAi.baseUrl(), "OPENAI_API_KEY", "sk-stub");
                StringBuilder out = new StringBuilder();
                for (String program : new String[] {"observe_decorator.py", "direct_observations.py", "openai_dropin.py",
                        "langchain_handler.py", "user_ids.py"}) {
                    String text = Commands.run(SOURCES, env, 180, python.toString(), program);
                    assertThat(text).as(program).contains("done");
                    out.append(text);
                }
                warnings = out.toString();
            } // closed: the Collector flushes its last batch to Kafka
            assertThat(openAi.completions()).isEqualTo(2);
        }
        assertThat(warnings).contains("Propagated attribute 'user_id' value is not a string. Dropping value.",
                "Propagated attribute 'user_id' value is over 200 characters (201 chars). Dropping value.");

        String schema = "it_python_sdk";
        // The stub's usage is 17 input and 5 output tokens. gpt-3.5-turbo at 0.0000005 / 0.0000015:
        // 0.0000085 + 0.0000075 = 0.000016; gpt-4o-mini at 0.00000015 / 0.0000006: 0.00000255 +
        // 0.000003 = 0.00000555. gpt-4o is priced too, but its generation with usage came with
        // its cost (0.00025 + 0.0002 = 0.00045), which is used as given.
        SinkTables.priceModel(schema, "turbo", "gpt-3.5-turbo", "0.0000005", "0.0000015");
        SinkTables.priceModel(schema, "mini", "gpt-4o-mini", "0.00000015", "0.0000006");
        SinkTables.priceModel(schema, "4o", "gpt-4o", "0.0000025", "0.00001");
        JobArgs.run(JobArgs.bounded(TOPIC, schema, "--input.format", "otlp-proto"));

        String emoji200 = "\uD83D\uDE00".repeat(200);
        // Every row is of the project the Collector named after the SDK's public key.
        // user_observe: the two decorated functions. user_span: span + gpt-4o generation, twice
        // (the second with usage and cost given). user_openai: span + the integration's generation.
        // user_langchain: span, RunnableSequence, ChatPromptTemplate, ChatOpenAI generation.
        // The emoji ids: span + child each. The three ids the SDK dropped and the two the job
        // dropped count for nobody.
        assertThat(SinkTables.rows("SELECT project_id || '/' || user_id, trace_count, observation_count, input_tokens,"
                + " output_tokens, total_tokens, total_cost, calculated_total_cost, usage_details::text FROM "
                + schema + ".user_metrics")).isEqualTo(Map.of(
                PUBLIC_KEY + "/user_observe", "1 | 2 | 0 | 0 | 0 | 0 | 0 | {}",
                PUBLIC_KEY + "/user_span", "2 | 4 | 100 | 20 | 120 | 0.00045 | 0 | {\"input\": 100, \"output\": 20}",
                PUBLIC_KEY + "/user_openai", "1 | 2 | 17 | 5 | 22 | 0.000016 | 0.000016 | {\"input\": 17, \"total\": 22, \"output\": 5}",
                PUBLIC_KEY + "/user_langchain", "1 | 4 | 17 | 5 | 22 | 0.00000555 | 0.00000555 | {\"input\": 17, \"total\": 22, \"output\": 5}",
                PUBLIC_KEY + "/" + emoji200, "1 | 2 | 0 | 0 | 0 | 0 | 0 | {}",
                PUBLIC_KEY + "/user-\uD83E\uDD9C", "1 | 2 | 0 | 0 | 0 | 0 | 0 | {}"));
        assertThat(SinkTables.rows("SELECT user_id || '/' || environment || '/' || model, observation_count, total_tokens,"
                + " total_cost FROM " + schema + ".user_model_metrics_daily WHERE model <> ''")).isEqualTo(Map.of(
                "user_span/default/gpt-4o", "2 | 120 | 0.00045",
                "user_openai/default/gpt-3.5-turbo", "1 | 22 | 0.000016",
                "user_langchain/default/gpt-4o-mini", "1 | 22 | 0.00000555"));
        // Set on the span directly, a number and 201 emoji reach the job, whose user-ID rules drop
        // them (trace event and observation event of each root span).
        assertThat(SinkTables.rows("SELECT action || '/' || reason, count(*) FROM " + schema + ".rejected_events GROUP BY 1"))
                .isEqualTo(Map.of("user_id_dropped/user_id_not_string", "2", "user_id_dropped/user_id_too_long", "2"));
    }
}
