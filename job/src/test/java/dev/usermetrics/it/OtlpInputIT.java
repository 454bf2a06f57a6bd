package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.localcluster.CheckedProducer;
import dev.usermetrics.localcluster.Produce;
import dev.usermetrics.otel.InputFormat;
import dev.usermetrics.otel.OtlpDecoder;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * OTLP records end to end (real Kafka, Postgres, MiniCluster): the captured Langfuse JS SDK export
 * on an otlp-json topic, the same export as otlp-proto on a second topic (a retry through another
 * path: every span counts once), a later re-export of the generation with new usage (replaces),
 * a record that is not OTLP (rejected), and an ingestion-json topic next to them. Expected values
 * are read off the captured payload by hand (see the comments).
 */
class OtlpInputIT {
    private static byte[] captured() throws Exception {
        try (InputStream in = OtlpInputIT.class.getResourceAsStream("/otel/js-sdk-5.11.1-export.json")) {
            return in.readAllBytes();
        }
    }

    private static void produce(String topic, long timestampMillis, byte[] value) throws Exception {
        Produce.createTopic(Services.kafkaBootstrap(), topic, 1);
        try (CheckedProducer p = new CheckedProducer(Services.kafkaBootstrap(), "test topic " + topic)) {
            p.send(new ProducerRecord<>(topic, 0, timestampMillis, null, value));
            p.flush();
        }
    }


    @Test
    void otlpJsonAndProtoTopicsNextToIngestionEventsGiveExactTables() throws Exception {
        String schema = "it_otlp";
        byte[] json = captured();
        byte[] proto = OtlpDecoder.decode(json, InputFormat.OTLP_JSON).toByteArray();
        // The generation re-exported later with other usage: the later version replaces it.
        byte[] reexport = new String(json, StandardCharsets.UTF_8)
                .replace("{\\\"input\\\":321,\\\"output\\\":123,\\\"total\\\":444,\\\"input_cached_tokens\\\":64}",
                        "{\\\"input\\\":500,\\\"output\\\":100,\\\"total\\\":600}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(new String(reexport, StandardCharsets.UTF_8)).contains("\\\"input\\\":500");
        long t0 = 1_795_650_100_000L;
        produce("it-otlp-json", t0, json);
        produce("it-otlp-json", t0 + 1000, reexport);
        produce("it-otlp-json", t0 + 2000, "not otlp at all".getBytes(StandardCharsets.UTF_8));
        produce("it-otlp-proto", t0 + 500, proto);
        produce("it-otlp-ingestion", t0, ("{\"id\":\"e1\",\"timestamp\":\"2026-11-25T10:00:00Z\",\"type\":\"trace-create\","
                + "\"projectId\":\"p1\",\"body\":{\"id\":\"t-c\",\"userId\":\"user-c\"}}").getBytes(StandardCharsets.UTF_8));
        // gpt-4o-mini is priced: 1000 × 0.00000015 + 200 × 0.0000006 = 0.00015 + 0.00012 = 0.00027.
        SinkTables.priceModel(schema, "mini", "gpt-4o-mini", "0.00000015", "0.0000006");

        JobArgs.run(JobArgs.bounded("it-otlp-json,it-otlp-proto,it-otlp-ingestion", schema,
                "--input.format", "it-otlp-json=otlp-json,it-otlp-proto=otlp-proto", "--otlp.default-project", "p1",
                "--parallelism", "2"));

        // user-a: trace b069…: handle-request, load-config (ended before propagateAttributes: no
        // user of its own, counted for the trace's user), retrieve, llm-call = 4 observations;
        // usage of the re-export: input 500, output 100, total 600; cost 1.234e-7 + 5e-8.
        // user-b: summarize + llm-call (usage only, priced 0.00027). The two traces whose userIds
        // the SDK dropped count for nobody. user-c: the ingestion event.
        assertThat(SinkTables.rows("SELECT user_id, trace_count, observation_count, input_tokens, output_tokens, total_tokens,"
                + " total_cost, calculated_total_cost, to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM " + schema + ".user_metrics")).isEqualTo(Map.of(
                "user-a", "1 | 4 | 500 | 100 | 600 | 0.0000001734 | 0 | 2026-11-25 23:41:19.232",
                "user-b", "1 | 2 | 1000 | 200 | 1200 | 0.00027 | 0.00027 | 2026-11-25 23:41:19.236",
                "user-c", "1 | 0 | 0 | 0 | 0 | 0 | 0 | 2026-11-25 10:00:00.000"));
        assertThat(SinkTables.rows("SELECT user_id || '/' || environment, observation_count FROM " + schema + ".user_metrics_env"))
                .isEqualTo(Map.of("user-a/production", "4", "user-b/production", "2", "user-c/default", "0"));
        assertThat(SinkTables.rows("SELECT reason, count(*) FROM " + schema + ".rejected_events GROUP BY reason"))
                .isEqualTo(Map.of("not_otlp", "1"));
    }
}
