package dev.usermetrics.localcluster;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * bin/bench's freshness measurement: while a running job reads {@code TOPIC}, produces the
 * workload at a steady rate and, every {@value #PROBE_EVERY_MS} ms, a probe: a trace of its own
 * user in project {@value #PROBE_PROJECT}. A poller reads that project's rows of user_metrics every
 * {@value #POLL_MS} ms; a probe's delay is from just before its send to the poll that first saw its
 * row (so it includes up to one poll interval). Probes sent during the warm-up are not counted.
 *
 * <pre>Freshness BOOTSTRAP TOPIC EVENTS_PER_S SECONDS WARMUP_S USERS JDBC_URL USER PASSWORD SCHEMA DELAYS_FILE</pre>
 * Waits for the job to create SCHEMA.user_metrics before producing. Prints
 * {@code freshness p50_s=… p99_s=… max_s=… probes=SEEN/COUNTED rate=…}, then
 * {@code produced events=… traces=… probes=…}, and writes the delays (s) to DELAYS_FILE.
 */
public final class Freshness {
    static final String PROBE_PROJECT = "bench-probe";
    static final long PROBE_EVERY_MS = 200;
    static final long POLL_MS = 50;
    /** How long to wait for the last probes after producing stops. */
    static final long DRAIN_MS = 60_000;

    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<String, Long> seenAt = new ConcurrentHashMap<>();

    private Freshness() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 10) {
            System.err.println("usage: Freshness BOOTSTRAP TOPIC EVENTS_PER_S SECONDS WARMUP_S USERS JDBC_URL USER SCHEMA DELAYS_FILE"
                    + "  (password: $POSTGRES_PASSWORD)");
            System.exit(2);
        }
        new Freshness().run(args[0], args[1], Double.parseDouble(args[2]), Long.parseLong(args[3]), Long.parseLong(args[4]),
                Integer.parseInt(args[5]), args[6], args[7], System.getenv().getOrDefault("POSTGRES_PASSWORD", ""), args[8], Path.of(args[9]));
    }

    private void run(String bootstrap, String topic, double rate, long seconds, long warmup, int users,
            String url, String user, String password, String schema, Path delaysFile) throws Exception {
        try (Connection db = DriverManager.getConnection(url, user, password)) {
            waitForTable(db, schema);
            Thread poller = new Thread(() -> poll(db, schema), "freshness-poller");
            poller.setDaemon(true);
            poller.start();
            long warmupEnd = System.currentTimeMillis() + warmup * 1000;
            List<String> counted = new ArrayList<>();
            long[] next = {System.currentTimeMillis()};
            long[] traces = {0};
            long sent;
            try (CheckedProducer producer = new CheckedProducer(bootstrap, "topic " + topic)) {
                sent = SoakProducer.produce(producer, topic, rate, seconds, users, () -> {
                    traces[0]++;
                    long now = System.currentTimeMillis();
                    if (now >= next[0]) {
                        next[0] = now + PROBE_EVERY_MS;
                        String id = "probe-" + sentAt.size();
                        sentAt.put(id, now);
                        if (now >= warmupEnd) {
                            counted.add(id);
                        }
                        producer.send(probe(topic, id, now));
                    }
                });
                producer.flush();
            }
            long drainEnd = System.currentTimeMillis() + DRAIN_MS;
            while (!seenAt.keySet().containsAll(sentAt.keySet()) && System.currentTimeMillis() < drainEnd) {
                Thread.sleep(POLL_MS);
            }
            report(counted, sent, seconds, delaysFile);
            System.out.printf("produced events=%d traces=%d probes=%d%n", sent + sentAt.size(), traces[0] + sentAt.size(), sentAt.size());
        }
    }

    private static ProducerRecord<byte[], byte[]> probe(String topic, String id, long millis) {
        String ts = Instant.ofEpochMilli(millis).toString();
        String json = "{\"id\":\"evt-" + id + "\",\"timestamp\":\"" + ts + "\",\"type\":\"trace-create\",\"projectId\":\""
                + PROBE_PROJECT + "\",\"body\":{\"id\":\"trace-" + id + "\",\"name\":\"probe\",\"timestamp\":\"" + ts
                + "\",\"userId\":\"" + id + "\"}}";
        return new ProducerRecord<>(topic, ("trace-" + id).getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    private static void waitForTable(Connection db, String schema) throws Exception {
        for (int i = 0; i < 600; i++) {
            try (ResultSet r = db.createStatement().executeQuery(
                    "SELECT to_regclass('\"" + schema + "\".user_metrics') IS NOT NULL")) {
                r.next();
                if (r.getBoolean(1)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the job did not create " + schema + ".user_metrics within 60 s");
    }

    private void poll(Connection db, String schema) {
        try (PreparedStatement q = db.prepareStatement(
                "SELECT user_id FROM \"" + schema + "\".user_metrics WHERE project_id = '" + PROBE_PROJECT + "'")) {
            while (true) {
                try (ResultSet r = q.executeQuery()) {
                    long now = System.currentTimeMillis();
                    while (r.next()) {
                        seenAt.putIfAbsent(r.getString(1), now);
                    }
                }
                Thread.sleep(POLL_MS);
            }
        } catch (SQLException | InterruptedException e) {
            System.err.println("freshness poller stopped: " + e);
        }
    }

    private void report(List<String> counted, long sent, long seconds, Path delaysFile) throws Exception {
        // A probe never seen counts as an infinite delay, so the percentiles cannot hide it.
        List<Double> delays = new ArrayList<>();
        int seenCount = 0;
        for (String id : counted) {
            Long seen = seenAt.get(id);
            delays.add(seen == null ? Double.POSITIVE_INFINITY : (seen - sentAt.get(id)) / 1000.0);
            seenCount += seen == null ? 0 : 1;
        }
        Collections.sort(delays);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(delaysFile))) {
            delays.forEach(w::println);
        }
        System.out.printf("freshness p50_s=%.2f p99_s=%.2f max_s=%.2f probes=%d/%d rate=%.0f%n",
                percentile(delays, 0.50), percentile(delays, 0.99), delays.isEmpty() ? Double.NaN : delays.get(delays.size() - 1),
                seenCount, counted.size(), sent / (double) seconds);
    }

    /** Nearest-rank percentile of sorted values; NaN when there are none. */
    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
