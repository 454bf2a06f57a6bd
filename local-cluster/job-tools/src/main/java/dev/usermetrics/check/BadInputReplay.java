package dev.usermetrics.check;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.sink.PostgresSinks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Replays the bad-input corpus (schemas/events/bad-input) through the real job, mixed into a
 * stream of valid events, with restarts disabled (so a single failure or restart caused by input
 * fails the run: numRestarts stays 0 or the run reports it). Then checks, per kind, that its
 * record has a rejected_events row with the expected action and reason and that the reason's
 * counter counted it, and that the metric tables equal a clean run over the valid events alone.
 * Prints a table and, last, {@code summary: bad-input N/M handled}.
 *
 * <pre>BadInputReplay --corpus DIR --valid-events FILE --bootstrap HOST:PORT --postgres-url URL
 *     --postgres-user U [--name PREFIX]</pre>  (password: $POSTGRES_PASSWORD, not the command line)
 */
public final class BadInputReplay {

    /** One corpus kind and what happened to it. */
    public record Kind(String file, String action, String reason, String what, long offset, String got, boolean counted) {
        public boolean handled() {
            return got.equals(action + "/" + reason) && counted;
        }
    }

    /** The outcome of one replay. */
    public record Report(List<Kind> kinds, boolean jobFinished, String failure, boolean restExact, String difference) {
        public long handled() {
            return jobFinished ? kinds.stream().filter(Kind::handled).count() : 0;
        }
    }

    private final String bootstrap;
    private final String url;
    private final String user;
    private final String password;

    public BadInputReplay(String bootstrap, String url, String user, String password) {
        this.bootstrap = bootstrap;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new TreeMap<>(Map.of("--name", "bad-input"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        for (String required : List.of("--corpus", "--valid-events", "--bootstrap", "--postgres-url", "--postgres-user")) {
            if (!o.containsKey(required)) {
                System.err.println("usage: BadInputReplay --corpus DIR --valid-events FILE --bootstrap HOST:PORT"
                        + " --postgres-url URL --postgres-user U [--name PREFIX]  (password: $POSTGRES_PASSWORD)");
                System.exit(2);
            }
        }
        BadInputReplay r = new BadInputReplay(o.get("--bootstrap"), o.get("--postgres-url"), o.get("--postgres-user"),
                System.getenv().getOrDefault("POSTGRES_PASSWORD", ""));
        Report report = r.run(Path.of(o.get("--corpus")),
                Files.readAllLines(Path.of(o.get("--valid-events")), StandardCharsets.UTF_8), o.get("--name"));
        print(report);
        System.exit(report.handled() == report.kinds().size() && report.restExact() ? 0 : 1);
    }

    public Report run(Path corpus, List<String> validLines, String name) throws Exception {
        List<String[]> manifest = new ArrayList<>();
        List<String> lines = Files.readAllLines(corpus.resolve("expected.tsv"), StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            manifest.add(line.split("\t"));
        }
        String stamp = Long.toString(System.currentTimeMillis(), 36);
        String mixedTopic = name + "-mixed-" + stamp;
        String cleanTopic = name + "-clean-" + stamp;
        String mixed = (name + "_mixed_" + stamp).replace('-', '_');
        String clean = (name + "_clean_" + stamp).replace('-', '_');

        // One partition, so each record's offset is its position: kind i sits at a known offset.
        List<byte[]> records = new ArrayList<>();
        long[] offsets = new long[manifest.size()];
        int every = Math.max(1, validLines.size() / (manifest.size() + 1));
        int k = 0;
        for (int i = 0; i < validLines.size() || k < manifest.size(); i++) {
            if (k < manifest.size() && (i % every == every - 1 || i >= validLines.size())) {
                offsets[k] = records.size();
                records.add(Files.readAllBytes(corpus.resolve(manifest.get(k)[0])));
                k++;
            }
            if (i < validLines.size()) {
                records.add(validLines.get(i).getBytes(StandardCharsets.UTF_8));
            }
        }
        produce(mixedTopic, records);
        produce(cleanTopic, validLines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList());

        JobExecutionResult result = null;
        String failure = null;
        try {
            result = runJob(mixedTopic, mixed);
        } catch (Exception e) {
            failure = rootMessage(e);
        }
        runJob(cleanTopic, clean);

        List<Kind> kinds = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            for (int i = 0; i < manifest.size(); i++) {
                String[] m = manifest.get(i);
                String got = "(none)";
                try (PreparedStatement ps = c.prepareStatement("SELECT action || '/' || reason FROM " + mixed
                        + ".rejected_events WHERE kafka_topic = ? AND kafka_partition = 0 AND kafka_offset = ? ORDER BY reason")) {
                    ps.setString(1, mixedTopic);
                    ps.setLong(2, offsets[i]);
                    try (ResultSet rs = ps.executeQuery()) {
                        List<String> all = new ArrayList<>();
                        while (rs.next()) {
                            all.add(rs.getString(1));
                        }
                        got = all.isEmpty() ? got : String.join(", ", all);
                    }
                }
                Object counter = result == null ? null : result.getAllAccumulatorResults().get(m[1] + ": " + m[2]);
                kinds.add(new Kind(m[0], m[1], m[2], m[3], offsets[i], got, counter instanceof Long n && n > 0));
            }
            String difference = TableDiff.difference(c, mixed, clean);
            return new Report(kinds, failure == null, failure, difference == null, difference);
        }
    }

    private JobExecutionResult runJob(String topic, String schema) throws Exception {
        JobOptions o = JobOptions.parse(new String[] {
            "--kafka.bootstrap-servers", bootstrap, "--kafka.topic", topic, "--kafka.group-id", topic,
            "--postgres.url", url, "--postgres.user", user, "--postgres.password", password,
            "--postgres.schema", schema, "--bounded", "--parallelism", "2", "--web-ui-port", "0"});
        Configuration conf = UserMetricsJob.flinkConfiguration(o);
        // Input must never fail the job: with restarts disabled, one failure ends the run.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        UserMetricsJob.configure(env, o);
        PostgresSinks sinks = new PostgresSinks(url, user, password, schema);
        sinks.migrate();
        new UserMetricsJob(UserMetricsJob.kafkaSource(o), sinks).build(env);
        return env.execute("bad-input replay -> " + schema);
    }

    private void produce(String topic, List<byte[]> values) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        p.put("max.in.flight.requests.per.connection", "1");
        p.put("max.request.size", Integer.toString(4 * 1024 * 1024));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (byte[] v : values) {
                sends.add(producer.send(new ProducerRecord<>(topic, 0, null, v)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sends) {
                f.get(); // a record that did not reach Kafka fails the replay instead of going missing
            }
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.toString();
    }

    public static void print(Report r) {
        System.out.printf(Locale.ROOT, "%n%-34s %-44s %-44s %s%n", "kind", "expected", "got", "handled");
        for (Kind k : r.kinds()) {
            System.out.printf(Locale.ROOT, "%-34s %-44s %-44s %s%n", k.file().replace(".record", ""),
                    k.action() + "/" + k.reason(), k.got() + (k.counted() ? "" : " (not counted)"), k.handled() ? "yes" : "NO");
        }
        System.out.println();
        System.out.println(r.jobFinished() ? "job: finished with restarts disabled (numRestarts = 0)"
                : "job: FAILED: " + r.failure());
        System.out.println(r.restExact() ? "rest of the stream: exact (metric tables equal a run without the bad records)"
                : "rest of the stream: DIFFERENT: " + r.difference());
        System.out.printf(Locale.ROOT, "summary: bad-input %d/%d handled%n", r.handled(), r.kinds().size());
    }
}
