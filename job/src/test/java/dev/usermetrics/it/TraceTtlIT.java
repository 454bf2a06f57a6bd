package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.config.JobOptions;
import dev.usermetrics.it.RowKeys.UserKey;
import dev.usermetrics.localcluster.CheckedProducer;
import dev.usermetrics.localcluster.Produce;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace TTL follows the data (DataClock): a job stopped for longer than the TTL, with events
 * of its open traces still unread in Kafka, restarts from its checkpoint and counts each trace
 * once; a gap longer than the TTL in the data itself still expires the trace (counted anew).
 * Kafka times are set by the producer (CreateTime), in the past, as a backlog has them.
 */
class TraceTtlIT {
    private static final String TOPIC = "it-trace-ttl";
    private static final String SCHEMA = "it_trace_ttl";
    private static final String TTL = "15s";
    private static final int TRACES = 20;

    @TempDir
    Path checkpoints;

    private final long base = System.currentTimeMillis() - Duration.ofMinutes(30).toMillis();

    @Test
    void aStopLongerThanTheTtlLosesNothingAndADataGapLongerThanItStillExpires() throws Exception {
        Produce.createTopic(Services.kafkaBootstrap(), TOPIC, 1);
        JobOptions o = LiveJobs.options(TOPIC, SCHEMA, checkpoints, TTL);
        List<String> first = new ArrayList<>();
        for (int i = 0; i < TRACES; i++) {
            first.add(event("a" + i, "trace-create", "{\"id\":\"t" + i + "\",\"userId\":\"" + user(i) + "\"}"));
            first.add(generation("b" + i, "t" + i, "o1-" + i, 10));
        }
        produce(base, first);

        JobClient job = LiveJobs.start(o, null);
        try {
            await("the first events counted", () -> traces() == TRACES && observations() == TRACES);
            Thread.sleep(1_500); // a checkpoint covering them completes (interval 300 ms)
        } finally {
            job.cancel().get();
        }
        String checkpoint = LiveJobs.latestCheckpoint(checkpoints);

        // Down for longer than the TTL in wall time; meanwhile the traces' next events arrive,
        // 5 s after their first ones in data time (well within the TTL).
        Thread.sleep(Duration.parse("PT" + TTL).toMillis() + 3_000);
        List<String> second = new ArrayList<>();
        for (int i = 0; i < TRACES; i++) {
            second.add(generation("c" + i, "t" + i, "o2-" + i, 7));
        }
        produce(base + 5_000, second);

        job = LiveJobs.start(o, checkpoint);
        try {
            await("the second events counted", () -> observations() == 2L * TRACES);
            // Each trace is counted once: none expired because the wall clock moved on.
            assertThat(traces()).isEqualTo(TRACES);

            // A gap longer than the TTL in the data: a new trace at base + 60 s moves the clock
            // past every trace's expiry (base + 5 s + 15 s); t0's next event then starts it anew.
            produce(base + 60_000, List.of(event("d0", "trace-create", "{\"id\":\"clock\",\"userId\":\"carol\"}")));
            await("the clock trace counted", () -> SinkTables.totals(SCHEMA).containsKey(new UserKey("p-ttl", "carol")));
            Thread.sleep(1_500); // its watermark (every 200 ms) reaches the trace stage
            // (as the SDK sends it: propagate_attributes puts the userId on every observation)
            produce(base + 61_000, List.of(event("e0", "generation-create", "{\"id\":\"o3-0\",\"traceId\":\"t0\","
                    + "\"startTime\":\"2026-05-01T10:00:02Z\",\"userId\":\"alice\",\"usageDetails\":{\"input\":1}}")));
            await("t0's late event counted", () -> observations() == 2L * TRACES + 1);
        } finally {
            job.cancel().get();
        }

        Map<UserKey, SinkTables.Values> rows = SinkTables.totals(SCHEMA);
        // Independently: alice has the even traces (10, t0 twice), bob the odd ones.
        assertThat(rows.get(new UserKey("p-ttl", "alice"))).satisfies(v -> {
            assertThat(v.traces()).isEqualTo(TRACES / 2 + 1);
            assertThat(v.observations()).isEqualTo(TRACES + 1);
            assertThat(v.inputTokens()).isEqualTo(TRACES / 2 * 17 + 1);
        });
        assertThat(rows.get(new UserKey("p-ttl", "bob"))).satisfies(v -> {
            assertThat(v.traces()).isEqualTo(TRACES / 2);
            assertThat(v.observations()).isEqualTo(TRACES);
            assertThat(v.inputTokens()).isEqualTo(TRACES / 2 * 17);
        });
        assertThat(rows.get(new UserKey("p-ttl", "carol")).traces()).isEqualTo(1);
        assertThat(rows).hasSize(3);
    }

    private static String user(int i) {
        return i % 2 == 0 ? "alice" : "bob";
    }

    private static String event(String id, String type, String body) {
        return "{\"id\":\"" + id + "\",\"timestamp\":\"" + Instant.parse("2026-05-01T10:00:00Z") + "\",\"type\":\"" + type
                + "\",\"projectId\":\"p-ttl\",\"body\":" + body + "}";
    }

    private static String generation(String id, String trace, String observation, long input) {
        return event(id, "generation-create", "{\"id\":\"" + observation + "\",\"traceId\":\"" + trace
                + "\",\"startTime\":\"2026-05-01T10:00:01Z\",\"usageDetails\":{\"input\":" + input + "}}");
    }

    /** Produces the lines with Kafka time {@code kafkaMillis} (CreateTime, set by the producer). */
    private static void produce(long kafkaMillis, List<String> lines) throws Exception {
        try (CheckedProducer p = new CheckedProducer(Services.kafkaBootstrap(), "test topic " + TOPIC)) {
            for (String line : lines) {
                p.send(new ProducerRecord<>(TOPIC, 0, kafkaMillis, null, line.getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    private static long traces() throws Exception {
        return SinkTables.totals(SCHEMA).values().stream().mapToLong(SinkTables.Values::traces).sum();
    }

    private static long observations() throws Exception {
        return SinkTables.totals(SCHEMA).values().stream().mapToLong(SinkTables.Values::observations).sum();
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        Await.until(what, Duration.ofSeconds(120), condition, () -> "user_metrics = " + SinkTables.totals(SCHEMA));
    }
}
