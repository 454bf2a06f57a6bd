package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.localcluster.Produce;
import dev.usermetrics.otel.InputFormat;
import dev.usermetrics.otel.OtlpDecoder;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The project's Collector configuration (local-cluster/collector/otel-collector.yaml, as bin/up
 * --collector runs it) on both trace paths and with both body encodings: the captured export of
 * the real JS SDK posted as OTLP/JSON to the standard /v1/traces, and the same spans as gzipped
 * protobuf to the Langfuse SDKs' /api/public/otel/v1/traces. The Collector writes otlp_proto to
 * its default topic langfuse-otel; the job reads it as docs/otel.md says ({@code --kafka.topic
 * langfuse-otel --input.format otlp-proto --otlp.default-project P}). The spans arrive twice and
 * count once, as any span exported twice (retries, two paths).
 */
class CollectorIT {
    private static final String TOPIC = "langfuse-otel";

    private static byte[] captured() throws Exception {
        try (InputStream in = CollectorIT.class.getResourceAsStream("/otel/js-sdk-5.11.1-export.json")) {
            return in.readAllBytes();
        }
    }

    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    private static int post(HttpClient http, String url, String contentType, byte[] body, boolean gzipped) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped ? gzip(body) : body));
        if (gzipped) {
            b.header("Content-Encoding", "gzip");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void bothPathsAndBothEncodingsReachTheJobOnce() throws Exception {
        byte[] json = captured();
        byte[] proto = OtlpDecoder.decode(json, InputFormat.OTLP_JSON).toByteArray();
        Produce.createTopic(Services.kafkaBootstrap(), TOPIC, 4);
        HttpClient http = HttpClient.newHttpClient();
        try (Collector collector = Collector.start(TOPIC, "otlp_proto")) {
            assertThat(post(http, collector.baseUrl() + "/v1/traces", "application/json", json, false)).isEqualTo(200);
            assertThat(post(http, collector.baseUrl() + "/api/public/otel/v1/traces", "application/x-protobuf", proto, true))
                    .isEqualTo(200);
        }

        String schema = "it_collector";
        SinkTables.priceModel(schema, "mini", "gpt-4o-mini", "0.00000015", "0.0000006");
        JobArgs.run(JobArgs.bounded(TOPIC, schema, "--input.format", "otlp-proto", "--otlp.default-project", "P"));
        // The capture (see OtlpInputIT): user-a's trace of four observations with its generation's
        // provided cost; user-b's priced generation (1000 × 0.00000015 + 200 × 0.0000006).
        assertThat(SinkTables.rows("SELECT project_id || '/' || user_id, trace_count, observation_count, input_tokens,"
                + " output_tokens, total_tokens, total_cost, calculated_total_cost FROM " + schema + ".user_metrics"))
                .isEqualTo(Map.of(
                        "P/user-a", "1 | 4 | 385 | 123 | 444 | 0.0000001734 | 0",
                        "P/user-b", "1 | 2 | 1000 | 200 | 1200 | 0.00027 | 0.00027"));
        assertThat(SinkTables.rows("SELECT count(*), count(*) FROM " + schema + ".rejected_events")).isEqualTo(Map.of("0", "0"));
    }
}
