package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.localcluster.CheckedProducer;
import dev.usermetrics.localcluster.Produce;
import dev.usermetrics.sink.SchemaMigrator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The real Langfuse JS SDK (@langfuse/tracing + @langfuse/otel 5.11.1 on the OpenTelemetry Node
 * SDK, pinned in src/test/resources/otel-sdk/package.json and its lock file, installed here with
 * {@code npm ci}) runs the propagateAttributes patterns of Langfuse's docs (scenario.mjs) and
 * exports OTLP/HTTP to an endpoint in this test. The endpoint writes each request body to Kafka as
 * one record, unchanged: what the OpenTelemetry Collector's kafka exporter does with
 * {@code encoding: otlp_json} for a batch it received (one ExportTraceServiceRequest per message;
 * docs/otel.md). The job reads the topic as otlp-json; the tables must hold exactly what the
 * scenario did. Skipped, with a message, where Node.js is not installed.
 */
class JsSdkIT {
    private static final Path SOURCES = Path.of("src/test/resources/otel-sdk");
    private static final Path WORK = Path.of("target/otel-sdk");
    private static final String TOPIC = "it-js-sdk";

    private static boolean nodeAvailable() {
        try {
            return new ProcessBuilder("node", "--version").start().waitFor() == 0
                    && new ProcessBuilder("npm", "--version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String run(Map<String, String> env, long timeoutSeconds, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(WORK.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s finished", String.join(" ", cmd)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s failed:%n%s", String.join(" ", cmd), text).isZero();
        return text;
    }

    /** Copies the pinned project and installs exactly its lock file (again only when it changed). */
    private static void install() throws Exception {
        Files.createDirectories(WORK);
        boolean changed = false;
        for (String f : List.of("package.json", "package-lock.json", "scenario.mjs")) {
            Path to = WORK.resolve(f);
            changed |= !Files.exists(to) || Files.mismatch(SOURCES.resolve(f), to) >= 0;
            Files.copy(SOURCES.resolve(f), to, StandardCopyOption.REPLACE_EXISTING);
        }
        if (changed || !Files.isDirectory(WORK.resolve("node_modules/@langfuse/otel"))) {
            run(Map.of(), 600, "npm", "ci", "--no-audit", "--no-fund");
        }
    }


    @Test
    void theLangfuseJsSdkThroughOtlpGivesExactPerUserTables() throws Exception {
        Assumptions.assumeTrue(nodeAvailable(),
                "Node.js (node and npm) is not on the PATH: the test with the real Langfuse JS SDK is skipped");
        install();
        Produce.createTopic(Services.kafkaBootstrap(), TOPIC, 1);
        AtomicInteger requests = new AtomicInteger();
        List<String> contentTypes = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        try (CheckedProducer producer = new CheckedProducer(Services.kafkaBootstrap(), "test topic " + TOPIC)) {
            server.createContext("/api/public/otel/v1/traces", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
                producer.send(new ProducerRecord<>(TOPIC, body));
                requests.incrementAndGet();
                byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, ok.length);
                exchange.getResponseBody().write(ok);
                exchange.close();
            });
            server.start();
            String out = run(Map.of("LANGFUSE_BASE_URL", "http://127.0.0.1:" + server.getAddress().getPort()), 180,
                    "node", "scenario.mjs");
            assertThat(out).contains("done", "Propagated attribute 'userId' must be a string",
                    "Propagated attribute 'userId' value is over 200 characters");
            producer.flush();
        } finally {
            server.stop(0);
        }
        assertThat(requests.get()).isPositive();
        assertThat(contentTypes).allMatch(t -> t.startsWith("application/json"));

        String schema = "it_js_sdk";
        // gpt-4o-mini is priced: 1000 × 0.00000015 + 200 × 0.0000006 = 0.00027.
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + schema + ".models (id, model_name, match_pattern) VALUES ('mini', 'gpt-4o-mini', '^gpt-4o-mini$')");
            s.execute("INSERT INTO " + schema + ".model_prices VALUES ('mini', 'input', 0.00000015), ('mini', 'output', 0.0000006)");
        }
        JobArgs.run(JobArgs.bounded(TOPIC, schema, "--input.format", "otlp-json", "--otlp.default-project", "p-sdk"));

        // user-a: the root, the span ended before propagateAttributes (counted for its trace's
        // user), the nested span and the generation; usage keys containing "input": 321 + 64.
        // user-b: root + generation with usage only, priced. The four traces whose userId was
        // invalid (dropped by the SDK, or by the job's own rules) count for nobody.
        assertThat(SinkTables.rows("SELECT user_id, trace_count, observation_count, input_tokens, output_tokens, total_tokens,"
                + " total_cost, calculated_total_cost, usage_details::text FROM " + schema + ".user_metrics")).isEqualTo(Map.of(
                "user-a", "1 | 4 | 385 | 123 | 444 | 0.0000001734 | 0 | "
                        + "{\"input\": 321, \"total\": 444, \"output\": 123, \"input_cached_tokens\": 64}",
                "user-b", "1 | 2 | 1000 | 200 | 1200 | 0.00027 | 0.00027 | {\"input\": 1000, \"output\": 200}"));
        assertThat(SinkTables.rows("SELECT project_id || '/' || user_id || '/' || environment || '/' || model, observation_count,"
                + " total_cost FROM " + schema + ".user_model_metrics_daily")).isEqualTo(Map.of(
                "p-sdk/user-a/production/", "3 | 0",
                "p-sdk/user-a/production/gpt-4o", "1 | 0.0000001734",
                "p-sdk/user-b/production/", "1 | 0",
                "p-sdk/user-b/production/gpt-4o-mini", "1 | 0.00027"));
        // The job's user-ID rules on the attributes set directly: observation and trace event each.
        assertThat(SinkTables.rows("SELECT action || '/' || reason, count(*) FROM " + schema + ".rejected_events GROUP BY 1"))
                .isEqualTo(Map.of("user_id_dropped/user_id_not_string", "2", "user_id_dropped/user_id_too_long", "2"));
    }
}
