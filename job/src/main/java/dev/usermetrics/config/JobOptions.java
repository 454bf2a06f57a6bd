package dev.usermetrics.config;

import dev.usermetrics.sql.PostgresLogin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.usermetrics.functions.ParseAndValidate;
import dev.usermetrics.otel.InputFormat;
import dev.usermetrics.validation.ProjectPins;

/**
 * The job's command line. Every option has a default that works against local-cluster/bin/up.
 * Unknown options and bad values raise {@link UsageException} (exit code 2 in main).
 */
public final class JobOptions {

    public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap-servers";
    public static final String KAFKA_TOPIC = "kafka.topic";
    public static final String KAFKA_GROUP_ID = "kafka.group-id";
    public static final String KAFKA_STARTING_OFFSETS = "kafka.starting-offsets";
    public static final String BOUNDED = "bounded";
    public static final String SINK_TAKE_OVER = "sink.take-over";
    public static final String POSTGRES_URL = "postgres.url";
    public static final String POSTGRES_USER = "postgres.user";
    public static final String POSTGRES_PASSWORD = "postgres.password";
    public static final String POSTGRES_SCHEMA = "postgres.schema";
    public static final String PARALLELISM = "parallelism";
    public static final String POSTGRES_PASSWORD_FILE = "postgres.password-file";
    /** Environment variable with the database password (keeps it off the command line). */
    public static final String PASSWORD_ENV = "USER_METRICS_POSTGRES_PASSWORD";
    public static final String CHECKPOINT_INTERVAL = "checkpoint-interval";
    public static final String CHECKPOINT_DIR = "checkpoint-dir";
    public static final String WEB_UI_PORT = "web-ui-port";
    public static final String STATE_TRACE_TTL = "state.trace-ttl";
    public static final String PRICES_POLL_INTERVAL = "prices.poll-interval";
    public static final String INPUT_FORMAT = "input.format";
    public static final String OTLP_PROJECT_ATTRIBUTE = "otlp.project-attribute";
    public static final String OTLP_DEFAULT_PROJECT = "otlp.default-project";
    public static final String INPUT_PROJECTS = "input.projects";
    public static final String KAFKA_PROPERTY = "kafka.property";
    public static final String KAFKA_PROPERTIES_FILE = "kafka.properties-file";
    /** Consumer properties the job sets unless told otherwise (--kafka.property wins). */
    public static final Map<String, String> DEFAULT_KAFKA_PROPERTIES = Map.of("isolation.level", "read_committed");
    public static final String REJECTED_RAW_CHARS = "rejected.raw-chars";
    public static final String REJECTED_RETENTION = "rejected.retention";
    /** Default of --rejected.retention. */
    public static final Duration DEFAULT_REJECTED_RETENTION = Duration.ofDays(30);
    /** The most --rejected.raw-chars may keep (a row stays far below Postgres's limits). */
    public static final int MAX_RAW_CHARS = 100_000;
    public static final String HELP = "help";

    private record Spec(String name, String defaultValue, String help, boolean flag) {}

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    private static void spec(String name, String def, String help) {
        SPECS.put(name, new Spec(name, def, help, false));
    }

    private static void flag(String name, String help) {
        SPECS.put(name, new Spec(name, null, help, true));
    }

    static {
        spec(KAFKA_BOOTSTRAP_SERVERS, "localhost:9092", "Kafka brokers to read from");
        spec(KAFKA_TOPIC, "langfuse-events", "topic(s) of ingestion events (JSON, one event per record); several: a,b");
        spec(KAFKA_GROUP_ID, "user-metrics", "consumer group; offsets are committed on checkpoints");
        spec(KAFKA_STARTING_OFFSETS, "earliest",
                "earliest | latest | committed (committed offsets of the group, else earliest); "
                        + "ignored when restoring from a checkpoint or savepoint");
        spec(KAFKA_PROPERTY, "", "a Kafka consumer property key=value (repeatable; e.g. security.protocol=SASL_SSL); "
                + "default isolation.level=read_committed (aborted transactions are not read)");
        spec(KAFKA_PROPERTIES_FILE, "", "a Java properties file of Kafka consumer properties (TLS, SASL: keeps "
                + "secrets off the command line); --kafka.property entries win over it");
        spec(INPUT_FORMAT, "ingestion-json", "what the topics carry: ingestion-json | otlp-json | otlp-proto "
                + "(OTLP trace exports, e.g. from the OpenTelemetry Collector's kafka exporter; docs/otel.md); "
                + "per topic: topic=format,topic=format (topics not listed: ingestion-json)");
        spec(OTLP_PROJECT_ATTRIBUTE, "langfuse.project.id", "OTLP resource attribute that names the project");
        spec(OTLP_DEFAULT_PROJECT, "", "project of OTLP spans whose resource has no project attribute "
                + "(empty: such spans are rejected, reason missing_field)");
        spec(INPUT_PROJECTS, "", "the projects the topics may carry: p1,p2 (every topic), topic=p (that topic); "
                + "an event naming another is rejected, reason project_not_allowed (empty: any project)");
        spec(REJECTED_RAW_CHARS, String.valueOf(ParseAndValidate.DEFAULT_RAW_CHARS), "how many characters of a "
                + "rejected record rejected_events.raw keeps (records may hold prompts and personal data; 0: none)");
        spec(REJECTED_RETENTION, DEFAULT_REJECTED_RETENTION.toDays() + "d", "rejected_events rows older than this "
                + "are deleted (checked at least hourly; 0: kept forever)");
        flag(BOUNDED, "read up to the end offsets as of the start, write everything, exit 0");
        spec(POSTGRES_URL, "jdbc:postgresql://localhost:5432/metrics", "JDBC URL of the sink database");
        spec(POSTGRES_USER, "metrics", "database user");
        spec(POSTGRES_PASSWORD, "metrics", "database password (visible in process lists: prefer the file or "
                + PASSWORD_ENV + ")");
        spec(POSTGRES_PASSWORD_FILE, "", "file whose first line is the database password; wins over the others");
        spec(POSTGRES_SCHEMA, "public", "schema of the sink tables; created and migrated on start");
        flag(SINK_TAKE_OVER, "claim the sink schema even if another job writes it, or it has rows and this job "
                + "starts without state (a deliberate rewrite; the other writer is fenced off). Without it such a "
                + "start is refused: one writer per schema");
        spec(PARALLELISM, "1", "parallelism of every operator");
        spec(CHECKPOINT_INTERVAL, "5s", "checkpoint interval (e.g. 500ms, 10s, 1min; a bare number is ms); "
                + "rows reach Postgres when a checkpoint completes, so this is also their freshness");
        spec(CHECKPOINT_DIR, "", "checkpoint directory URI (e.g. file:///var/lib/um/checkpoints); "
                + "default: the cluster's configuration, or <tmpdir>/user-metrics-checkpoints for a local run");
        spec(STATE_TRACE_TTL, "7d", "a trace's merge state is dropped after it has had no event for this long "
                + "in data time (the Kafka time of the records read, so a stopped or lagging job expires nothing early; "
                + "e.g. 12h, 7d; 0 keeps it forever); what it counted stays counted, and a "
                + "later event of it counts as a new trace");
        spec(PRICES_POLL_INTERVAL, "30s", "how often the model price tables (models, model_prices) of the sink "
                + "schema are read; a change re-prices the observations in trace state (bounded runs read them once)");
        spec(WEB_UI_PORT, "8082", "local runs only: port of the Flink web UI");
        flag(HELP, "print this help and exit");
    }

    /** A bad command line: message for the user, exit code 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values;
    private final String password;
    private final PostgresLogin login;

    private JobOptions(Map<String, String> values, String password, PostgresLogin login) {
        this.values = values;
        this.password = password;
        this.login = login;
    }

    public static JobOptions parse(String[] args) throws UsageException {
        return parse(args, System.getenv());
    }

    /**
     * The password comes from --postgres.password-file, else --postgres.password, else the
     * environment variable {@value #PASSWORD_ENV}, else the default.
     */
    public static JobOptions parse(String[] args, Map<String, String> env) throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        java.util.Set<String> given = new java.util.HashSet<>();
        for (Spec s : SPECS.values()) {
            values.put(s.name(), s.flag() ? "false" : s.defaultValue());
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument: " + a);
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Spec s = SPECS.get(name);
            if (s == null) {
                throw new UsageException("unknown option: --" + name);
            }
            if (s.flag()) {
                values.put(name, value == null ? "true" : value);
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("option --" + name + " needs a value");
                }
                value = args[++i];
            }
            if (name.equals(KAFKA_PROPERTY) && given.contains(name)) {
                value = values.get(name) + "\n" + value; // repeatable: every entry is kept
            }
            values.put(name, value);
            given.add(name);
        }
        String password = values.get(POSTGRES_PASSWORD);
        String file = values.get(POSTGRES_PASSWORD_FILE);
        if (!file.isBlank()) {
            try {
                List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(file));
                password = lines.isEmpty() ? "" : lines.get(0);
            } catch (java.io.IOException | RuntimeException e) {
                throw new UsageException("cannot read --" + POSTGRES_PASSWORD_FILE + " " + file + ": " + e.getMessage());
            }
        } else if (!given.contains(POSTGRES_PASSWORD) && env.get(PASSWORD_ENV) != null) {
            password = env.get(PASSWORD_ENV);
        }
        String url = values.get(POSTGRES_URL);
        String user = values.get(POSTGRES_USER);
        // Where the tasks read it: a file or the environment stays out of the job graph.
        PostgresLogin login = !file.isBlank() ? PostgresLogin.fromFile(url, user, file)
                : !given.contains(POSTGRES_PASSWORD) && env.get(PASSWORD_ENV) != null
                        ? PostgresLogin.fromEnvironment(url, user, PASSWORD_ENV)
                        : PostgresLogin.inline(url, user, password);
        JobOptions o = new JobOptions(values, password, login);
        o.validate();
        return o;
    }

    /** The database password, wherever it came from (never logged): for the client's own connections. */
    public String postgresPassword() {
        return password;
    }

    /** How the tasks reach the database: the password is read where they connect unless it was given inline. */
    public PostgresLogin postgresLogin() {
        return login;
    }

    private void validate() throws UsageException {
        startingOffsets();
        if (parallelism() < 1) {
            throw new UsageException("--" + PARALLELISM + " must be at least 1");
        }
        if (checkpointInterval().toMillis() < 10) {
            throw new UsageException("--" + CHECKPOINT_INTERVAL + " must be at least 10ms");
        }
        webUiPort();
        traceTtl();
        inputFormats();
        projectPins();
        kafkaProperties();
        rejectedRawChars();
        rejectedRetention();
        if (pricePollInterval().toMillis() < 100) {
            throw new UsageException("--" + PRICES_POLL_INTERVAL + " must be at least 100ms");
        }
        for (String b : List.of(BOUNDED, SINK_TAKE_OVER, HELP)) {
            String v = values.get(b);
            if (!v.equals("true") && !v.equals("false")) {
                throw new UsageException("--" + b + " takes no value or true/false, got: " + v);
            }
        }
        for (String required : List.of(KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC, KAFKA_GROUP_ID, POSTGRES_URL, POSTGRES_SCHEMA)) {
            if (get(required).isBlank()) {
                throw new UsageException("--" + required + " must not be empty");
            }
        }
    }

    public String get(String name) {
        return values.get(name);
    }

    /** The topics to read: --kafka.topic a,b (a history topic next to the live one, see backfill). */
    public List<String> topics() {
        return java.util.Arrays.stream(get(KAFKA_TOPIC).split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
    }

    public boolean help() {
        return Boolean.parseBoolean(values.get(HELP));
    }

    public boolean bounded() {
        return Boolean.parseBoolean(values.get(BOUNDED));
    }

    public boolean sinkTakeOver() {
        return Boolean.parseBoolean(values.get(SINK_TAKE_OVER));
    }

    public String startingOffsets() throws UsageException {
        String v = get(KAFKA_STARTING_OFFSETS);
        if (!List.of("earliest", "latest", "committed").contains(v)) {
            throw new UsageException("--" + KAFKA_STARTING_OFFSETS + " must be earliest, latest or committed, got: " + v);
        }
        return v;
    }

    public int parallelism() throws UsageException {
        return intOption(PARALLELISM);
    }

    public int webUiPort() throws UsageException {
        int p = intOption(WEB_UI_PORT);
        if (p < 0 || p > 65535) {
            throw new UsageException("--" + WEB_UI_PORT + " must be a port number");
        }
        return p;
    }

    public Duration checkpointInterval() throws UsageException {
        return duration(CHECKPOINT_INTERVAL);
    }

    /** How many characters of a rejected record are kept in rejected_events.raw. */
    public int rejectedRawChars() throws UsageException {
        int n = intOption(REJECTED_RAW_CHARS);
        if (n < 0 || n > MAX_RAW_CHARS) {
            throw new UsageException("--" + REJECTED_RAW_CHARS + " must be between 0 and " + MAX_RAW_CHARS + ", got: " + n);
        }
        return n;
    }

    /** How long rejected events are kept (Duration.ZERO: forever). */
    public Duration rejectedRetention() throws UsageException {
        return duration(REJECTED_RETENTION);
    }

    /** How long an idle trace's state is kept (Duration.ZERO: forever). */
    public Duration traceTtl() throws UsageException {
        return duration(STATE_TRACE_TTL);
    }

    /**
     * Topic → format from --input.format: one format for every topic, or topic=format pairs
     * (topics not listed read as ingestion-json). Key "" holds the format of unlisted topics.
     */
    public Map<String, InputFormat> inputFormats() throws UsageException {
        String v = get(INPUT_FORMAT).trim();
        Map<String, InputFormat> out = new LinkedHashMap<>();
        if (!v.contains("=")) {
            out.put("", format(v));
            return out;
        }
        out.put("", InputFormat.INGESTION_JSON);
        for (String pair : v.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--" + INPUT_FORMAT + " takes a format or topic=format pairs, got: " + pair.trim());
            }
            String topic = pair.substring(0, eq).trim();
            if (!topics().contains(topic)) {
                throw new UsageException("--" + INPUT_FORMAT + " names topic " + topic + ", which --" + KAFKA_TOPIC + " does not read");
            }
            out.put(topic, format(pair.substring(eq + 1).trim()));
        }
        return out;
    }

    /**
     * The Kafka consumer properties: the defaults ({@link #DEFAULT_KAFKA_PROPERTIES}), then
     * --kafka.properties-file, then each --kafka.property (later wins). The options the job has
     * for the bootstrap servers and group id win over both.
     */
    public java.util.Properties kafkaProperties() throws UsageException {
        java.util.Properties p = new java.util.Properties();
        DEFAULT_KAFKA_PROPERTIES.forEach(p::setProperty);
        String file = get(KAFKA_PROPERTIES_FILE);
        if (!file.isBlank()) {
            try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(file))) {
                p.load(r);
            } catch (java.io.IOException e) {
                throw new UsageException("--" + KAFKA_PROPERTIES_FILE + " cannot be read: " + e.getMessage());
            }
        }
        for (String entry : get(KAFKA_PROPERTY).split("\n")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--" + KAFKA_PROPERTY + " takes key=value, got: " + entry);
            }
            p.setProperty(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return p;
    }

    /** The projects each topic may carry, from --input.projects ({@link ProjectPins}). */
    public ProjectPins projectPins() throws UsageException {
        try {
            return ProjectPins.parse(get(INPUT_PROJECTS), topics());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + INPUT_PROJECTS + " " + e.getMessage());
        }
    }

    private static InputFormat format(String code) throws UsageException {
        return InputFormat.of(code).orElseThrow(() -> new UsageException("--" + INPUT_FORMAT
                + " must be ingestion-json, otlp-json or otlp-proto (or topic=format pairs), got: " + code));
    }

    /** How often the model price tables are read. */
    public Duration pricePollInterval() throws UsageException {
        return duration(PRICES_POLL_INTERVAL);
    }

    private int intOption(String name) throws UsageException {
        try {
            return Integer.parseInt(get(name));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got: " + get(name));
        }
    }

    private Duration duration(String name) throws UsageException {
        String v = get(name).trim();
        try {
            int i = 0;
            while (i < v.length() && Character.isDigit(v.charAt(i))) {
                i++;
            }
            long n = Long.parseLong(v.substring(0, i));
            return switch (v.substring(i)) {
                case "ms", "" -> Duration.ofMillis(n); // a bare number is milliseconds, as in Flink
                case "s" -> Duration.ofSeconds(n);
                case "min", "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new UsageException("--" + name + " must be a duration like 500ms, 10s, 1min, 7d, got: " + v);
        }
    }

    public static String usage() {
        StringBuilder b = new StringBuilder();
        b.append("user-metrics: per-user LLM metrics from Langfuse ingestion events (Kafka -> Flink -> Postgres)\n\n");
        b.append("Usage: run-job [options]   (or: flink run user-metrics-job.jar [options])\n\nOptions:\n");
        List<String> lines = new ArrayList<>();
        for (Spec s : SPECS.values()) {
            String left = "  --" + s.name() + (s.flag() ? "" : " <value>");
            String def = s.flag() || s.defaultValue().isEmpty() ? "" : " (default: " + s.defaultValue() + ")";
            lines.add(String.format("%-36s %s%s", left, s.help(), def));
        }
        b.append(String.join("\n", lines)).append('\n');
        b.append("\nExamples:\n");
        b.append("  run-job --bounded --postgres.schema backfill_1\n");
        b.append("  run-job --kafka.topic langfuse-events --parallelism 2 --checkpoint-interval 5s\n");
        return b.toString();
    }

    @Override
    public String toString() {
        Map<String, String> shown = new LinkedHashMap<>(values);
        shown.put(POSTGRES_PASSWORD, "***");
        shown.put(POSTGRES_URL, PostgresLogin.mask(values.get(POSTGRES_URL)));
        return shown.toString();
    }
}
