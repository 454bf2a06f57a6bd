package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.localcluster.CheckedProducer;
import dev.usermetrics.localcluster.Produce;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trailing windows of the real job follow its data clock across window boundaries: the
 * clock is injected through the records' Kafka times (set by the producer, in the past, on
 * every partition), and after every move each row of {@code user_metrics_windows} must equal
 * the sum of the {@code user_metrics_hourly} rows inside its window — with late changes, a late
 * user, a trace that changes user, and a restart from a checkpoint between two moves.
 */
class TrailingWindowsIT {
    private static final String TOPIC = "it-trailing-windows";
    private static final String SCHEMA = "it_trailing_windows";
    private static final String PROJECT = "p-win";
    private static final int PARTITIONS = 2;
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;

    @TempDir
    Path checkpoints;

    /** The data clock's start: an hour boundary 120 days back (Kafka times ahead of now count as now). */
    private final long k0 = Math.floorDiv(System.currentTimeMillis(), HOUR) * HOUR - 120 * DAY;

    @Test
    void everyWindowEqualsTheHourlyRowsInsideItAsTheClockMoves() throws Exception {
        Produce.createTopic(Services.kafkaBootstrap(), TOPIC, PARTITIONS);
        List<String> first = new ArrayList<>();
        trace(first, "a1", "alice", "prod", k0 - 2 * HOUR, 17, "0.000001");    // in every window
        trace(first, "a2", "alice", "prod", k0 - 30 * HOUR, 5, "0.5");        // 7 d and longer
        trace(first, "a3", "alice", "dev", k0 - 10 * DAY, 100, "0.25");        // 30 d and 90 d
        trace(first, "b1", "bob", "prod", k0 - 50 * DAY, 3, "0.000000000001"); // 90 d only
        trace(first, "b2", "bob", "prod", k0 - 95 * DAY, 1000, "9");           // in no window
        trace(first, "c1", null, "prod", k0 - HOUR, 8, "0.125");               // its user comes later
        produce(k0, first);
        tick(k0 + 10 * 60_000, "t1");

        JobClient job = start(null);
        try {
            awaitWindows(k0 + 10 * 60_000 - 1, w -> w.containsKey("bob |  | 90d"));
            Map<String, String> at0 = windows();
            assertThat(at0).containsEntry("alice |  | 24h", "1 | 1 | 17 | 0.000001")
                    .containsEntry("alice |  | 7d", "2 | 2 | 22 | 0.500001")
                    .containsEntry("alice | dev | 30d", "1 | 1 | 100 | 0.25")
                    .containsEntry("bob |  | 90d", "1 | 1 | 3 | 0.000000000001")
                    .doesNotContainKey("carol |  | 24h");

            // The late user of c1, and a late usage update of a2 (30 h back: out of 24 h already).
            List<String> late = new ArrayList<>();
            late.add(event("c1-user", k0 - HOUR, "trace-create", "{\"id\":\"c1\",\"userId\":\"carol\"}"));
            late.add(event("a2-more", k0 - 30 * HOUR, "generation-update",
                    "{\"id\":\"a2-gen\",\"traceId\":\"a2\",\"usageDetails\":{\"input\":6}}"));
            produce(k0 + 20 * 60_000, late);
            tick(k0 + 30 * 60_000, "t2");
            awaitWindows(k0 + 30 * 60_000 - 1, w -> w.containsKey("carol |  | 24h") && w.get("alice |  | 7d").contains(" 23 "));
            assertThat(windows()).containsEntry("carol |  | 24h", "1 | 1 | 8 | 0.125")
                    .containsEntry("alice |  | 24h", "1 | 1 | 17 | 0.000001")
                    .containsEntry("alice |  | 7d", "2 | 2 | 23 | 0.500001");

            // One day later: a1 (k0 - 2 h) and c1 (k0 - 1 h) leave 24 h.
            tick(k0 + DAY + 5 * 60_000, "t3");
            awaitWindows(k0 + DAY + 5 * 60_000 - 1, w -> !w.containsKey("carol |  | 24h"));
            assertThat(windows()).doesNotContainKey("alice |  | 24h").doesNotContainKey("carol |  | 24h")
                    .containsEntry("carol |  | 7d", "1 | 1 | 8 | 0.125");
            Thread.sleep(1_500); // a checkpoint covering the clock's move (interval 300 ms)
        } finally {
            job.cancel().get();
        }
        String checkpoint = LiveJobs.latestCheckpoint(checkpoints);

        // While it is down: c1 moves to dave, a3 gets more usage, and the clock moves 9 days.
        List<String> more = new ArrayList<>();
        more.add(event("c1-dave", k0, "trace-create", "{\"id\":\"c1\",\"userId\":\"dave\"}"));
        more.add(event("a3-more", k0 - 10 * DAY, "generation-update",
                "{\"id\":\"a3-gen\",\"traceId\":\"a3\",\"usageDetails\":{\"input\":101}}"));
        produce(k0 + DAY + 10 * 60_000, more);
        tick(k0 + 10 * DAY, "t4");

        job = start(checkpoint);
        try {
            awaitWindows(k0 + 10 * DAY - 1, w -> w.containsKey("dave |  | 30d") && !w.containsKey("alice | dev | 7d"));
            assertThat(windows()).doesNotContainKey("carol |  | 7d")
                    .containsEntry("dave |  | 30d", "1 | 1 | 8 | 0.125")
                    .doesNotContainKey("alice | dev | 7d")
                    .containsEntry("alice | dev | 30d", "1 | 1 | 101 | 0.25");
            // 91 days on: only what is newer than 90 days stays (nothing of alice's dev trace).
            tick(k0 + 81 * DAY, "t5");
            awaitWindows(k0 + 81 * DAY - 1, w -> !w.containsKey("alice | dev | 90d"));
            assertThat(windows()).doesNotContainKey("alice | dev | 90d").containsKey("alice |  | 90d");
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Waits until the window rows show what the test waits for (the records it produced were
     * read) and every window row equals the hourly rows inside it at the clock, no other existing.
     */
    private static void awaitWindows(long clock, java.util.function.Predicate<Map<String, String>> ready) throws Exception {
        String expected = "WITH w(label, hours) AS (VALUES ('24h', 24), ('7d', 168), ('30d', 720), ('90d', 2160)),"
                + " h AS (SELECT user_id, environment, bucket_start, trace_count, observation_count, total_tokens, total_cost"
                + "       FROM " + SCHEMA + ".user_metrics_hourly WHERE project_id = '" + PROJECT + "'),"
                + " e AS (SELECT * FROM h UNION ALL SELECT user_id, '', bucket_start, trace_count, observation_count, total_tokens, total_cost FROM h)"
                + " SELECT e.user_id || ' | ' || e.environment || ' | ' || w.label, sum(trace_count), sum(observation_count),"
                + "        sum(total_tokens), sum(total_cost)"
                + " FROM e JOIN w ON e.bucket_start + w.hours * interval '1 hour' > to_timestamp(" + clock + " / 1000.0)"
                + " GROUP BY 1";
        Await.until("the windows at clock " + Instant.ofEpochMilli(clock), Duration.ofSeconds(120),
                () -> {
                    Map<String, String> now = windows();
                    return ready.test(now) && SinkTables.rows(expected).equals(now);
                },
                () -> "expected (from user_metrics_hourly) " + SinkTables.rows(expected) + "\n  user_metrics_windows " + windows());
    }

    /** user | environment | window → traces | observations | tokens | cost. */
    private static Map<String, String> windows() throws Exception {
        return SinkTables.rows("SELECT user_id || ' | ' || environment || ' | ' || time_window, trace_count, observation_count,"
                + " total_tokens, total_cost FROM " + SCHEMA + ".user_metrics_windows WHERE project_id = '" + PROJECT + "'");
    }

    /** A trace with one generation at the time (data time), of the user (null: none yet). */
    private static void trace(List<String> out, String id, String user, String env, long timeMillis, long input, String cost) {
        out.add(event(id + "-t", timeMillis, "trace-create", "{\"id\":\"" + id + "\""
                + (user == null ? "" : ",\"userId\":\"" + user + "\"") + ",\"environment\":\"" + env + "\"}"));
        out.add(event(id + "-g", timeMillis, "generation-create", "{\"id\":\"" + id + "-gen\",\"traceId\":\"" + id
                + "\",\"startTime\":\"" + Instant.ofEpochMilli(timeMillis) + "\",\"usageDetails\":{\"input\":" + input
                + "},\"costDetails\":{\"total\":" + cost + "}}"));
    }

    private static String event(String id, long timeMillis, String type, String body) {
        return "{\"id\":\"" + id + "\",\"timestamp\":\"" + Instant.ofEpochMilli(timeMillis) + "\",\"type\":\"" + type
                + "\",\"projectId\":\"" + PROJECT + "\",\"body\":" + body + "}";
    }

    /** Moves the data clock: a record of another project on every partition, at Kafka time kafkaMillis. */
    private static void tick(long kafkaMillis, String id) throws Exception {
        try (CheckedProducer p = new CheckedProducer(Services.kafkaBootstrap(), "test topic " + TOPIC)) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                String line = "{\"id\":\"" + id + "-" + partition + "\",\"timestamp\":\"" + Instant.ofEpochMilli(kafkaMillis)
                        + "\",\"type\":\"trace-create\",\"projectId\":\"p-clock\",\"body\":{\"id\":\"" + id + "-" + partition
                        + "\",\"userId\":\"tick\"}}";
                p.send(new ProducerRecord<>(TOPIC, partition, kafkaMillis, null, line.getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    /** Produces the lines to partition 0 with Kafka time kafkaMillis (CreateTime). */
    private static void produce(long kafkaMillis, List<String> lines) throws Exception {
        try (CheckedProducer p = new CheckedProducer(Services.kafkaBootstrap(), "test topic " + TOPIC)) {
            for (String line : lines) {
                p.send(new ProducerRecord<>(TOPIC, 0, kafkaMillis, null, line.getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    private JobClient start(String checkpoint) throws Exception {
        return LiveJobs.start(LiveJobs.options(TOPIC, SCHEMA, checkpoints, "0"), checkpoint);
    }
}
