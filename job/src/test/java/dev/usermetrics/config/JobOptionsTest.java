package dev.usermetrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobOptionsTest {

    @Test
    void defaultsPointAtTheLocalCluster() throws Exception {
        JobOptions o = JobOptions.parse(new String[0]);
        assertThat(o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS)).isEqualTo("localhost:9092");
        assertThat(o.get(JobOptions.KAFKA_TOPIC)).isEqualTo("langfuse-events");
        assertThat(o.get(JobOptions.POSTGRES_URL)).isEqualTo("jdbc:postgresql://localhost:5432/metrics");
        assertThat(o.get(JobOptions.POSTGRES_SCHEMA)).isEqualTo("public");
        assertThat(o.pricePollInterval()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(o.startingOffsets()).isEqualTo("earliest");
        assertThat(o.bounded()).isFalse();
        assertThat(o.parallelism()).isEqualTo(1);
        assertThat(o.checkpointInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.traceTtl()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void parsesBothFormsAndLaterValuesWin() throws Exception {
        JobOptions o = JobOptions.parse(new String[] {
            "--kafka.topic", "a", "--kafka.topic=b", "--bounded", "--parallelism", "4",
            "--checkpoint-interval", "500ms", "--kafka.starting-offsets", "committed"});
        assertThat(o.get(JobOptions.KAFKA_TOPIC)).isEqualTo("b");
        assertThat(o.bounded()).isTrue();
        assertThat(o.parallelism()).isEqualTo(4);
        assertThat(o.checkpointInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(JobOptions.parse(new String[] {"--checkpoint-interval", "2000"}).checkpointInterval())
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(JobOptions.parse(new String[] {"--checkpoint-interval", "2min"}).checkpointInterval())
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(JobOptions.parse(new String[] {"--state.trace-ttl", "12h"}).traceTtl()).isEqualTo(Duration.ofHours(12));
        assertThat(JobOptions.parse(new String[] {"--state.trace-ttl", "0"}).traceTtl()).isZero();
        assertThat(o.startingOffsets()).isEqualTo("committed");
    }

    @Test
    void badOptionsGiveClearMessages() {
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--kafka.topik", "x"}))
                .isInstanceOf(JobOptions.UsageException.class).hasMessage("unknown option: --kafka.topik");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--parallelism", "two"}))
                .hasMessageContaining("--parallelism must be an integer");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--parallelism", "0"}))
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--kafka.starting-offsets", "newest"}))
                .hasMessageContaining("earliest, latest or committed");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--checkpoint-interval", "soon"}))
                .hasMessageContaining("duration");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--state.trace-ttl", "1 week"}))
                .hasMessageContaining("--state.trace-ttl must be a duration like 500ms, 10s, 1min, 7d");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--prices.poll-interval", "50ms"}))
                .hasMessageContaining("--prices.poll-interval must be at least 100ms");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--kafka.topic"}))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"stray"}))
                .hasMessageContaining("unexpected argument");
    }

    @Test
    void rejectedEventsKeepAPrefixForARetentionPeriod() throws Exception {
        JobOptions d = JobOptions.parse(new String[0]);
        assertThat(d.rejectedRawChars()).isEqualTo(2000);
        assertThat(d.rejectedRetention()).isEqualTo(Duration.ofDays(30));
        JobOptions off = JobOptions.parse(new String[] {"--rejected.raw-chars", "0", "--rejected.retention", "0"});
        assertThat(off.rejectedRawChars()).isZero();
        assertThat(off.rejectedRetention()).isZero();
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--rejected.raw-chars", "200000"}))
                .hasMessage("--rejected.raw-chars must be between 0 and 100000, got: 200000");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--rejected.retention", "a month"}))
                .hasMessageContaining("--rejected.retention must be a duration");
    }

    @Test
    void kafkaPropertiesComeFromDefaultsAFileAndRepeatedOptions(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        assertThat(JobOptions.parse(new String[0]).kafkaProperties()).containsExactlyEntriesOf(Map.of("isolation.level", "read_committed"));
        java.nio.file.Path file = dir.resolve("kafka.properties");
        java.nio.file.Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");
        var p = JobOptions.parse(new String[] {"--kafka.properties-file", file.toString(),
                "--kafka.property", "sasl.mechanism=PLAIN", "--kafka.property", "isolation.level=read_uncommitted",
                "--kafka.property=client.id=a=b"}).kafkaProperties();
        assertThat(p).containsExactlyInAnyOrderEntriesOf(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN",
                "isolation.level", "read_uncommitted", "client.id", "a=b"));
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--kafka.property", "novalue"}))
                .hasMessage("--kafka.property takes key=value, got: novalue");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--kafka.properties-file", dir.resolve("missing").toString()}))
                .hasMessageContaining("--kafka.properties-file cannot be read");
    }

    @Test
    void projectPinsAreForEveryTopicOrPerTopic() throws Exception {
        assertThat(JobOptions.parse(new String[0]).projectPins().isEmpty()).isTrue();
        var every = JobOptions.parse(new String[] {"--kafka.topic", "a,b", "--input.projects", "p1, p2"}).projectPins();
        assertThat(every.allows("a", "p1")).isTrue();
        assertThat(every.allows("b", "p2")).isTrue();
        assertThat(every.allows("b", "p3")).isFalse();
        var mixed = JobOptions.parse(new String[] {"--kafka.topic", "a,b,c", "--input.projects", "a=p1,a=p2,b=p3"}).projectPins();
        assertThat(mixed.allows("a", "p2")).isTrue();
        assertThat(mixed.allows("a", "p3")).isFalse();
        assertThat(mixed.allows("b", "p3")).isTrue();
        assertThat(mixed.allows("b", "p1")).isFalse();
        assertThat(mixed.allows("c", "anything")).isTrue(); // not pinned
        var both = JobOptions.parse(new String[] {"--kafka.topic", "a,b", "--input.projects", "shared,a=own"}).projectPins();
        assertThat(both.allows("a", "own")).isTrue();
        assertThat(both.allows("a", "shared")).isTrue();
        assertThat(both.allows("b", "shared")).isTrue();
        assertThat(both.allows("b", "own")).isFalse();
        assertThat(both.describe("a")).isEqualTo("shared, own");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--kafka.topic", "a", "--input.projects", "z=p1"}))
                .hasMessage("--input.projects names topic z, which the job does not read");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--kafka.topic", "a", "--input.projects", "a="}))
                .hasMessage("--input.projects takes project or topic=project entries, got: a=");
    }

    @Test
    void inputFormatsAreOneForAllTopicsOrPerTopic() throws Exception {
        assertThat(JobOptions.parse(new String[0]).inputFormats())
                .isEqualTo(Map.of("", dev.usermetrics.otel.InputFormat.INGESTION_JSON));
        assertThat(JobOptions.parse(new String[] {"--input.format", "otlp-proto"}).inputFormats())
                .isEqualTo(Map.of("", dev.usermetrics.otel.InputFormat.OTLP_PROTO));
        assertThat(JobOptions.parse(new String[] {"--kafka.topic", "events,spans", "--input.format", "spans=otlp-json"})
                .inputFormats()).isEqualTo(Map.of("", dev.usermetrics.otel.InputFormat.INGESTION_JSON,
                        "spans", dev.usermetrics.otel.InputFormat.OTLP_JSON));
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--input.format", "otlp"}))
                .hasMessageContaining("must be ingestion-json, otlp-json or otlp-proto");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--kafka.topic", "events", "--input.format", "spanz=otlp-json"}))
                .hasMessageContaining("names topic spanz, which --kafka.topic does not read");
    }

    @Test
    void helpListsEveryOption() {
        String usage = JobOptions.usage();
        for (var option : new org.apache.flink.configuration.ConfigOption<?>[] {
            JobOptions.KAFKA_BOOTSTRAP_SERVERS, JobOptions.KAFKA_TOPIC, JobOptions.KAFKA_GROUP_ID,
            JobOptions.KAFKA_STARTING_OFFSETS, JobOptions.BOUNDED, JobOptions.POSTGRES_URL, JobOptions.POSTGRES_USER,
            JobOptions.POSTGRES_PASSWORD, JobOptions.POSTGRES_SCHEMA, JobOptions.PARALLELISM,
            JobOptions.CHECKPOINT_INTERVAL, JobOptions.STATE_TRACE_TTL, JobOptions.PRICES_POLL_INTERVAL, JobOptions.INPUT_FORMAT,
            JobOptions.OTLP_PROJECT_ATTRIBUTE, JobOptions.OTLP_DEFAULT_PROJECT, JobOptions.HELP}) {
            assertThat(usage).contains("--" + option.key());
        }
        for (var option : JobOptions.ALL) {
            assertThat(usage).contains("--" + option.key());
        }
        assertThat(usage).contains("--state.trace-ttl <duration>", "(default: 7d)", "(default: 5s)", "(default: 30d)",
                "langfuse.project.id)").doesNotContain("--bounded <value>");
    }

    @Test
    void theOptionListInOperationsMdIsTheGeneratedHelp() throws Exception {
        // docs/operations.md, "Job options", shows `run-job --help`; regenerate it with that command.
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "operations.md"));
        String start = "$ local-cluster/bin/run-job --help\n";
        int from = doc.indexOf(start);
        assertThat(from).as("docs/operations.md shows run-job --help").isPositive();
        String shown = doc.substring(from + start.length(), doc.indexOf("```", from));
        assertThat(shown).as("docs/operations.md's option list (paste the output of local-cluster/bin/run-job --help)")
                .isEqualTo(JobOptions.usage());
    }

    @Test
    void flagsTakeNoValueOrTrueFalse() throws Exception {
        assertThat(JobOptions.parse(new String[] {"--bounded=false", "--sink.take-over"}).bounded()).isFalse();
        assertThat(JobOptions.parse(new String[] {"--sink.take-over"}).sinkTakeOver()).isTrue();
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--bounded=maybe"}))
                .hasMessage("--bounded takes no value or true/false, got: maybe");
    }

    @Test
    void thePasswordComesFromAFileTheCommandLineOrTheEnvironmentAndIsNeverShown(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("pw");
        java.nio.file.Files.writeString(file, "from-file-7Qz\nignored second line\n");
        Map<String, String> env = Map.of(JobOptions.PASSWORD_ENV, "from-env-9Xk");

        JobOptions fromFile = JobOptions.parse(new String[] {"--postgres.password", "cli", "--postgres.password-file", file.toString()}, env);
        assertThat(fromFile.postgresPassword()).isEqualTo("from-file-7Qz");
        assertThat(JobOptions.parse(new String[] {"--postgres.password", "from-cli-2Wv"}, env).postgresPassword()).isEqualTo("from-cli-2Wv");
        JobOptions fromEnv = JobOptions.parse(new String[] {}, env);
        assertThat(fromEnv.postgresPassword()).isEqualTo("from-env-9Xk");
        assertThat(JobOptions.parse(new String[] {}, Map.of()).postgresPassword()).isEqualTo("metrics");

        assertThat(fromFile.toString()).doesNotContain("from-file-7Qz", "cli,").contains(file.toString());
        assertThat(fromEnv.toString()).doesNotContain("from-env-9Xk");
        assertThatThrownBy(() -> JobOptions.parse(new String[] {"--postgres.password-file", dir.resolve("missing").toString()}, env))
                .isInstanceOf(JobOptions.UsageException.class).hasMessageContaining("cannot read");
    }
}
