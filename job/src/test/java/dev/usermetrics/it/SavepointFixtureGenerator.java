package dev.usermetrics.it;

import static dev.usermetrics.it.SavepointCompatibilityIT.FIXTURE;
import static dev.usermetrics.it.SavepointCompatibilityIT.PARTITIONS;
import static dev.usermetrics.it.SavepointCompatibilityIT.TABLES;
import static dev.usermetrics.it.SavepointCompatibilityIT.TOPIC;
import static dev.usermetrics.it.SavepointCompatibilityIT.columns;
import static dev.usermetrics.it.SavepointCompatibilityIT.options;
import static dev.usermetrics.it.SavepointCompatibilityIT.start;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Writes the savepoint fixture of {@link SavepointCompatibilityIT}. Not part of the test suite
 * (its name matches no test pattern); run it when the state layout is released, then commit the
 * fixture:
 * <pre>
 * mvn -B -DskipTests install &amp;&amp; mvn -B -pl job verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=SavepointFixtureGenerator
 * </pre>
 */
class SavepointFixtureGenerator {

    /**
     * Writes the fixture (not a test; run on demand, see the fixture's README.md): the events of
     * a generated dataset split in two, the first half processed by this version until stopped
     * with a canonical savepoint, and the tables at that moment.
     */
    @Test
    void regenerateFixture() throws Exception {
        Scenario s = new Scenario(31, 150);
        int half = s.lines.size() / 2;
        List<String> before = s.lines.subList(0, half);
        Path fixture = Path.of(FIXTURE);
        deleteRecursively(fixture.resolve("savepoint"));
        deleteRecursively(fixture.resolve("tables"));
        Files.createDirectories(fixture.resolve("tables"));
        Files.write(fixture.resolve("events-before.jsonl"), before, StandardCharsets.UTF_8);
        Files.write(fixture.resolve("events-after.jsonl"), s.lines.subList(half, s.lines.size()), StandardCharsets.UTF_8);
        Topics.produce(TOPIC, PARTITIONS, before);

        JobClient job = start(options(TOPIC, "fixture_gen", "fixture-gen", false), "fixture_gen", null, false);
        awaitCommitted("fixture-gen", 120);
        Path target = Files.createTempDirectory("um-savepoint-");
        String path = job.stopWithSavepoint(false, target.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(120, TimeUnit.SECONDS);
        // The savepoint completes before the tasks close; the sinks' last flush happens on close.
        job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        copyRecursively(Path.of(java.net.URI.create(path)), fixture.resolve("savepoint"));
        try (Connection c = Services.connect()) {
            for (String table : TABLES) {
                try (Writer w = Files.newBufferedWriter(fixture.resolve("tables").resolve(table + ".csv"))) {
                    ((PGConnection) c.unwrap(PGConnection.class)).getCopyAPI().copyOut(
                            "COPY fixture_gen." + table + " (" + columns(c, "fixture_gen", table) + ") TO STDOUT WITH (FORMAT csv)", w);
                }
            }
        }
    }

    /** Waits until the job's group has committed offsets up to the end of every partition. */
    private static void awaitCommitted(String group, int timeoutSeconds) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", Services.kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            Await.until("the job committing all offsets of " + TOPIC, Duration.ofSeconds(timeoutSeconds), Duration.ofMillis(500), () -> {
                var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> latest = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
                for (int i = 0; i < PARTITIONS; i++) {
                    latest.put(new TopicPartition(TOPIC, i), OffsetSpec.latest());
                }
                var ends = admin.listOffsets(latest).all().get();
                return latest.keySet().stream().allMatch(tp ->
                        committed.get(tp) != null && committed.get(tp).offset() >= ends.get(tp).offset());
            }, () -> "group " + group + " not caught up");
        }
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> files = Files.walk(p)) {
            for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(f);
            }
        }
    }
}
