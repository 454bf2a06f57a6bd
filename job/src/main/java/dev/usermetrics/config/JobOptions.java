package dev.usermetrics.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.usermetrics.functions.ParseAndValidate;
import dev.usermetrics.otel.InputFormat;
import dev.usermetrics.sql.PostgresLogin;
import dev.usermetrics.validation.ProjectPins;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The job's command line. Each option is a Flink {@link ConfigOption}: its key, type, default and
 * description are defined once, below, and {@link #usage()} (run-job --help, and the list in
 * docs/operations.md, which a test compares with it) is generated from them. Values are parsed by
 * Flink (durations like 500ms, 10s, 7d; a bare number is milliseconds). Every default works
 * against local-cluster/bin/up. Unknown options and bad values raise {@link UsageException}
 * (exit code 2).
 */
public final class JobOptions {

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS = key("kafka.bootstrap-servers").stringType()
            .defaultValue("localhost:9092").withDescription("Kafka brokers to read from");
    public static final ConfigOption<String> KAFKA_TOPIC = key("kafka.topic").stringType()
            .defaultValue("langfuse-events")
            .withDescription("topic(s) of ingestion events (JSON, one event per record); several: a,b");
    public static final ConfigOption<String> KAFKA_GROUP_ID = key("kafka.group-id").stringType()
            .defaultValue("user-metrics").withDescription("consumer group; offsets are committed on checkpoints");
    public static final ConfigOption<String> KAFKA_STARTING_OFFSETS = key("kafka.starting-offsets").stringType()
            .defaultValue("earliest").withDescription("earliest | latest | committed (committed offsets of the group, "
                    + "else earliest); ignored when restoring from a checkpoint or savepoint");
    public static final ConfigOption<List<String>> KAFKA_PROPERTY = key("kafka.property").stringType().asList()
            .defaultValues().withDescription("a Kafka consumer property key=value (repeatable; e.g. "
                    + "security.protocol=SASL_SSL); default isolation.level=read_committed (aborted transactions are "
                    + "not read)");
    public static final ConfigOption<String> KAFKA_PROPERTIES_FILE = key("kafka.properties-file").stringType()
            .defaultValue("").withDescription("a Java properties file of Kafka consumer properties (TLS, SASL: keeps "
                    + "secrets off the command line); --kafka.property entries win over it");
    public static final ConfigOption<String> INPUT_FORMAT = key("input.format").stringType()
            .defaultValue(InputFormat.INGESTION_JSON.code()).withDescription("what the topics carry: ingestion-json | "
                    + "otlp-json | otlp-proto (OTLP trace exports, e.g. from the OpenTelemetry Collector's kafka "
                    + "exporter; docs/otel.md); per topic: topic=format,topic=format (topics not listed: ingestion-json)");
    public static final ConfigOption<String> OTLP_PROJECT_ATTRIBUTE = key("otlp.project-attribute").stringType()
            .defaultValue(ParseAndValidate.DEFAULT_PROJECT_ATTRIBUTE)
            .withDescription("OTLP resource attribute that names the project");
    public static final ConfigOption<String> OTLP_DEFAULT_PROJECT = key("otlp.default-project").stringType()
            .defaultValue("").withDescription("project of OTLP spans whose resource has no project attribute (empty: "
                    + "such spans are rejected, reason missing_field)");
    public static final ConfigOption<String> INPUT_PROJECTS = key("input.projects").stringType()
            .defaultValue("").withDescription("the projects the topics may carry: p1,p2 (every topic), topic=p (that "
                    + "topic); an event naming another is rejected, reason project_not_allowed (empty: any project)");
    public static final ConfigOption<Integer> REJECTED_RAW_CHARS = key("rejected.raw-chars").intType()
            .defaultValue(ParseAndValidate.DEFAULT_RAW_CHARS).withDescription("how many characters of a rejected "
                    + "record rejected_events.raw keeps (records may hold prompts and personal data; 0: none)");
    public static final ConfigOption<Duration> REJECTED_RETENTION = key("rejected.retention").durationType()
            .defaultValue(Duration.ofDays(30)).withDescription("rejected_events rows older than this are deleted "
                    + "(checked at least hourly; 0: kept forever)");
    public static final ConfigOption<Duration> LISTS_RETENTION = key("lists.retention").durationType()
            .defaultValue(Duration.ZERO).withDescription("user_traces and user_trace_scores rows whose trace (score) time is older "
                    + "than this are deleted (checked at least hourly; 0: kept forever)");
    public static final ConfigOption<Boolean> BOUNDED = key("bounded").booleanType().defaultValue(false)
            .withDescription("read up to the end offsets as of the start, write everything, exit 0");
    public static final ConfigOption<String> POSTGRES_URL = key("postgres.url").stringType()
            .defaultValue("jdbc:postgresql://localhost:5432/metrics").withDescription("JDBC URL of the sink database");
    public static final ConfigOption<String> POSTGRES_USER = key("postgres.user").stringType()
            .defaultValue("metrics").withDescription("database user");
    /** Environment variable with the database password (keeps it off the command line). */
    public static final String PASSWORD_ENV = "USER_METRICS_POSTGRES_PASSWORD";
    public static final ConfigOption<String> POSTGRES_PASSWORD = key("postgres.password").stringType()
            .defaultValue("metrics").withDescription("database password (visible in process lists: prefer the file "
                    + "or " + PASSWORD_ENV + ")");
    public static final ConfigOption<String> POSTGRES_PASSWORD_FILE = key("postgres.password-file").stringType()
            .defaultValue("").withDescription("file whose first line is the database password; wins over the others");
    public static final ConfigOption<String> POSTGRES_SCHEMA = key("postgres.schema").stringType()
            .defaultValue("public").withDescription("schema of the sink tables; created and migrated on start");
    public static final ConfigOption<Boolean> SINK_TAKE_OVER = key("sink.take-over").booleanType().defaultValue(false)
            .withDescription("claim the sink schema even if another job writes it, or it has rows and this job starts "
                    + "without state (a deliberate rewrite; the other writer is fenced off). Without it such a start is "
                    + "refused: one writer per schema");
    public static final ConfigOption<Integer> PARALLELISM = key("parallelism").intType().defaultValue(1)
            .withDescription("parallelism of every operator");
    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL = key("checkpoint-interval").durationType()
            .defaultValue(Duration.ofSeconds(5)).withDescription("checkpoint interval (e.g. 500ms, 10s, 1min; a bare "
                    + "number is ms); rows reach Postgres when a checkpoint completes, so this is also their freshness");
    public static final ConfigOption<String> CHECKPOINT_DIR = key("checkpoint-dir").stringType().defaultValue("")
            .withDescription("checkpoint directory URI (e.g. file:///var/lib/um/checkpoints); default: the cluster's "
                    + "configuration, or <tmpdir>/user-metrics-checkpoints for a local run");
    public static final ConfigOption<Duration> STATE_TRACE_TTL = key("state.trace-ttl").durationType()
            .defaultValue(Duration.ofDays(7)).withDescription("a trace's merge state is dropped after it has had no "
                    + "event for this long in data time (the Kafka time of the records read, so a stopped or lagging job "
                    + "expires nothing early; e.g. 12h, 7d; 0 keeps it forever); what it counted stays counted, and a "
                    + "later event of it counts as a new trace");
    public static final ConfigOption<Duration> PRICES_POLL_INTERVAL = key("prices.poll-interval").durationType()
            .defaultValue(Duration.ofSeconds(30)).withDescription("how often the model price tables (models, "
                    + "model_prices) of the sink schema are read; a change re-prices the observations in trace state "
                    + "(bounded runs read them once)");
    public static final ConfigOption<Duration> BUDGETS_POLL_INTERVAL = key("budgets.poll-interval").durationType()
            .defaultValue(Duration.ofSeconds(30)).withDescription("how often the budgets (user_budgets) of the sink schema are "
                    + "read; a change is applied to every user of the projects it touches at the next checkpoint (bounded runs "
                    + "read them once)");
    public static final ConfigOption<String> ALERTS_TOPIC = key("alerts.topic").stringType().defaultValue("user-budget-alerts")
            .withDescription("Kafka topic the budget alerts are also sent to, as JSON, by a transactional producer (committed "
                    + "with the checkpoint that wrote them to user_budget_alerts); empty: none. Bounded runs (backfills) "
                    + "write the table only");
    public static final ConfigOption<Boolean> METRICS_STATE_SIZES = key("metrics.state-sizes").booleanType().defaultValue(false)
            .withDescription("report every keyed state's size among its operator's metrics (RocksDB's estimate-num-keys, "
                    + "estimate-live-data-size and live-sst-files-size per state, e.g. "
                    + "evaluate-budgets.user-budgets.rocksdb.estimate-num-keys); off by default: each is a RocksDB property read "
                    + "at every metrics report");
    public static final ConfigOption<Integer> WEB_UI_PORT = key("web-ui-port").intType().defaultValue(8082)
            .withDescription("local runs only: port of the Flink web UI");
    public static final ConfigOption<Boolean> HELP = key("help").booleanType().defaultValue(false)
            .withDescription("print this help and exit");

    /** Every option, in the order of --help. */
    public static final List<ConfigOption<?>> ALL = List.of(KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC, KAFKA_GROUP_ID,
            KAFKA_STARTING_OFFSETS, KAFKA_PROPERTY, KAFKA_PROPERTIES_FILE, BOUNDED, INPUT_FORMAT, OTLP_PROJECT_ATTRIBUTE,
            OTLP_DEFAULT_PROJECT, INPUT_PROJECTS, POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_PASSWORD_FILE,
            POSTGRES_SCHEMA, SINK_TAKE_OVER, PARALLELISM, CHECKPOINT_INTERVAL, CHECKPOINT_DIR, STATE_TRACE_TTL,
            PRICES_POLL_INTERVAL, BUDGETS_POLL_INTERVAL, ALERTS_TOPIC, REJECTED_RAW_CHARS, REJECTED_RETENTION, LISTS_RETENTION, METRICS_STATE_SIZES, WEB_UI_PORT, HELP);

    /** Consumer properties the job sets unless told otherwise (--kafka.property wins). */
    public static final Map<String, String> DEFAULT_KAFKA_PROPERTIES = Map.of("isolation.level", "read_committed");
    /** The values of --kafka.starting-offsets. */
    public static final List<String> STARTING_OFFSETS = List.of("earliest", "latest", "committed");
    /** The most --rejected.raw-chars may keep (a row stays far below Postgres's limits). */
    public static final int MAX_RAW_CHARS = 100_000;

    /** A bad command line: message for the user, exit code 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    private final Configuration conf;
    private final Set<String> given;
    private final String password;
    private final PostgresLogin login;
    private final Properties kafkaProperties;
    private final Map<String, InputFormat> inputFormats;
    private final ProjectPins projectPins;

    private JobOptions(Configuration conf, Set<String> given, Map<String, String> env) throws UsageException {
        this.conf = conf;
        this.given = given;
        for (ConfigOption<?> option : ALL) {
            typed(option); // every value parses, or the start is refused
        }
        this.password = resolvePassword(env);
        this.login = resolveLogin(env);
        this.kafkaProperties = readKafkaProperties();
        this.inputFormats = readInputFormats();
        this.projectPins = readProjectPins();
        validate();
    }

    public static JobOptions parse(String[] args) throws UsageException {
        return parse(args, System.getenv());
    }

    /**
     * --name value or --name=value; a boolean option alone means true; --kafka.property may be
     * repeated (every entry is kept), any other option given twice takes the later value. The
     * password comes from --postgres.password-file, else --postgres.password, else the
     * environment variable {@value #PASSWORD_ENV}, else the default.
     */
    public static JobOptions parse(String[] args, Map<String, String> env) throws UsageException {
        Map<String, ConfigOption<?>> byKey = new LinkedHashMap<>();
        ALL.forEach(o -> byKey.put(o.key(), o));
        Map<String, String> values = new LinkedHashMap<>();
        List<String> kafkaProperties = new ArrayList<>();
        Set<String> given = new HashSet<>();
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
            ConfigOption<?> option = byKey.get(name);
            if (option == null) {
                throw new UsageException("unknown option: --" + name);
            }
            if (value == null && isFlag(option)) {
                value = "true";
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("option --" + name + " needs a value");
                }
                value = args[++i];
            }
            if (option == KAFKA_PROPERTY) {
                kafkaProperties.add(value);
            } else {
                values.put(name, value);
            }
            given.add(name);
        }
        Configuration conf = Configuration.fromMap(values);
        conf.set(KAFKA_PROPERTY, kafkaProperties);
        return new JobOptions(conf, given, env);
    }

    private static boolean isFlag(ConfigOption<?> option) {
        return option.defaultValue() instanceof Boolean;
    }

    /** The option's value as Flink parses it; a value it cannot parse is a usage error naming the expected form. */
    private <T> T typed(ConfigOption<T> option) throws UsageException {
        try {
            return conf.get(option);
        } catch (IllegalArgumentException e) {
            String raw = conf.toMap().get(option.key());
            Object d = option.defaultValue();
            String message = d instanceof Boolean ? " takes no value or true/false"
                    : d instanceof Integer ? " must be an integer"
                    : d instanceof Duration ? " must be a duration like 500ms, 10s, 1min, 7d"
                    : " has a bad value";
            throw new UsageException("--" + option.key() + message + ", got: " + raw);
        }
    }

    private String resolvePassword(Map<String, String> env) throws UsageException {
        String file = get(POSTGRES_PASSWORD_FILE);
        if (!file.isBlank()) {
            try {
                List<String> lines = Files.readAllLines(Path.of(file));
                return lines.isEmpty() ? "" : lines.get(0);
            } catch (IOException | RuntimeException e) {
                throw new UsageException("cannot read --" + POSTGRES_PASSWORD_FILE.key() + " " + file + ": " + e.getMessage());
            }
        }
        return passwordFromEnvironment(env) ? env.get(PASSWORD_ENV) : get(POSTGRES_PASSWORD);
    }

    private boolean passwordFromEnvironment(Map<String, String> env) {
        return !given.contains(POSTGRES_PASSWORD.key()) && env.get(PASSWORD_ENV) != null;
    }

    // Where the tasks read the password: a file or the environment stays out of the job graph.
    private PostgresLogin resolveLogin(Map<String, String> env) {
        String url = get(POSTGRES_URL);
        String user = get(POSTGRES_USER);
        String file = get(POSTGRES_PASSWORD_FILE);
        return !file.isBlank() ? PostgresLogin.fromFile(url, user, file)
                : passwordFromEnvironment(env) ? PostgresLogin.fromEnvironment(url, user, PASSWORD_ENV)
                : PostgresLogin.inline(url, user, password);
    }

    private void validate() throws UsageException {
        if (!STARTING_OFFSETS.contains(startingOffsets())) {
            throw new UsageException("--" + KAFKA_STARTING_OFFSETS.key() + " must be earliest, latest or committed, got: "
                    + startingOffsets());
        }
        if (parallelism() < 1) {
            throw new UsageException("--" + PARALLELISM.key() + " must be at least 1");
        }
        if (checkpointInterval().toMillis() < 10) {
            throw new UsageException("--" + CHECKPOINT_INTERVAL.key() + " must be at least 10ms");
        }
        if (webUiPort() < 0 || webUiPort() > 65535) {
            throw new UsageException("--" + WEB_UI_PORT.key() + " must be a port number");
        }
        int raw = rejectedRawChars();
        if (raw < 0 || raw > MAX_RAW_CHARS) {
            throw new UsageException("--" + REJECTED_RAW_CHARS.key() + " must be between 0 and " + MAX_RAW_CHARS
                    + ", got: " + raw);
        }
        if (pricePollInterval().toMillis() < 100) {
            throw new UsageException("--" + PRICES_POLL_INTERVAL.key() + " must be at least 100ms");
        }
        if (get(BUDGETS_POLL_INTERVAL).toMillis() < 100) {
            throw new UsageException("--" + BUDGETS_POLL_INTERVAL.key() + " must be at least 100ms");
        }
        for (ConfigOption<String> required : List.of(KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC, KAFKA_GROUP_ID, POSTGRES_URL,
                POSTGRES_SCHEMA)) {
            if (get(required).isBlank()) {
                throw new UsageException("--" + required.key() + " must not be empty");
            }
        }
    }

    /** The value of an option (already validated by {@link #parse}). */
    public <T> T get(ConfigOption<T> option) {
        return conf.get(option);
    }

    /** The topics to read: --kafka.topic a,b (a history topic next to the live one, see backfill). */
    public List<String> topics() {
        return Arrays.stream(get(KAFKA_TOPIC).split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
    }

    public boolean help() {
        return get(HELP);
    }

    public boolean bounded() {
        return get(BOUNDED);
    }

    public boolean sinkTakeOver() {
        return get(SINK_TAKE_OVER);
    }

    /** One of {@link #STARTING_OFFSETS}. */
    public String startingOffsets() {
        return get(KAFKA_STARTING_OFFSETS);
    }

    public int parallelism() {
        return get(PARALLELISM);
    }

    public int webUiPort() {
        return get(WEB_UI_PORT);
    }

    public Duration checkpointInterval() {
        return get(CHECKPOINT_INTERVAL);
    }

    /** How many characters of a rejected record are kept in rejected_events.raw. */
    public int rejectedRawChars() {
        return get(REJECTED_RAW_CHARS);
    }

    /** How long the user page's list rows are kept (Duration.ZERO: forever). */
    public Duration listsRetention() {
        return get(LISTS_RETENTION);
    }

    /** How long rejected events are kept (Duration.ZERO: forever). */
    public Duration rejectedRetention() {
        return get(REJECTED_RETENTION);
    }

    /** How long an idle trace's state is kept (Duration.ZERO: forever). */
    public Duration traceTtl() {
        return get(STATE_TRACE_TTL);
    }

    /** How often the model price tables are read. */
    public Duration pricePollInterval() {
        return get(PRICES_POLL_INTERVAL);
    }

    /** The database password, wherever it came from (never logged): for the client's own connections. */
    public String postgresPassword() {
        return password;
    }

    /** How the tasks reach the database: the password is read where they connect unless it was given inline. */
    public PostgresLogin postgresLogin() {
        return login;
    }

    /**
     * Topic → format from --input.format: one format for every topic, or topic=format pairs
     * (topics not listed read as ingestion-json). Key "" holds the format of unlisted topics.
     */
    public Map<String, InputFormat> inputFormats() {
        return inputFormats;
    }

    private Map<String, InputFormat> readInputFormats() throws UsageException {
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
                throw new UsageException("--" + INPUT_FORMAT.key() + " takes a format or topic=format pairs, got: " + pair.trim());
            }
            String topic = pair.substring(0, eq).trim();
            if (!topics().contains(topic)) {
                throw new UsageException("--" + INPUT_FORMAT.key() + " names topic " + topic + ", which --"
                        + KAFKA_TOPIC.key() + " does not read");
            }
            out.put(topic, format(pair.substring(eq + 1).trim()));
        }
        return out;
    }

    private static InputFormat format(String code) throws UsageException {
        return InputFormat.of(code).orElseThrow(() -> new UsageException("--" + INPUT_FORMAT.key()
                + " must be ingestion-json, otlp-json or otlp-proto (or topic=format pairs), got: " + code));
    }

    /**
     * The Kafka consumer properties: the defaults ({@link #DEFAULT_KAFKA_PROPERTIES}), then
     * --kafka.properties-file, then each --kafka.property (later wins). The options the job has
     * for the bootstrap servers and group id win over both.
     */
    public Properties kafkaProperties() {
        Properties copy = new Properties();
        copy.putAll(kafkaProperties);
        return copy;
    }

    private Properties readKafkaProperties() throws UsageException {
        Properties p = new Properties();
        DEFAULT_KAFKA_PROPERTIES.forEach(p::setProperty);
        String file = get(KAFKA_PROPERTIES_FILE);
        if (!file.isBlank()) {
            try (Reader r = Files.newBufferedReader(Path.of(file))) {
                p.load(r);
            } catch (IOException e) {
                throw new UsageException("--" + KAFKA_PROPERTIES_FILE.key() + " cannot be read: " + e.getMessage());
            }
        }
        for (String entry : get(KAFKA_PROPERTY)) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--" + KAFKA_PROPERTY.key() + " takes key=value, got: " + entry);
            }
            p.setProperty(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return p;
    }

    /** The projects each topic may carry, from --input.projects ({@link ProjectPins}). */
    public ProjectPins projectPins() {
        return projectPins;
    }

    private ProjectPins readProjectPins() throws UsageException {
        try {
            return ProjectPins.parse(get(INPUT_PROJECTS), topics());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + INPUT_PROJECTS.key() + " " + e.getMessage());
        }
    }

    /** run-job --help: generated from {@link #ALL}. */
    public static String usage() {
        StringBuilder b = new StringBuilder();
        b.append("user-metrics: per-user LLM metrics from Langfuse ingestion events (Kafka -> Flink -> Postgres)\n\n");
        b.append("Usage: run-job [options]   (or: flink run user-metrics-job.jar [options])\n\nOptions:\n");
        b.append(optionList());
        b.append("\nExamples:\n");
        b.append("  run-job --bounded --postgres.schema backfill_1\n");
        b.append("  run-job --kafka.topic langfuse-events --parallelism 2 --checkpoint-interval 5s\n");
        return b.toString();
    }

    /** The options part of {@link #usage()}: one entry per option, descriptions wrapped. */
    public static String optionList() {
        StringBuilder b = new StringBuilder();
        for (ConfigOption<?> option : ALL) {
            String left = "  --" + option.key() + (isFlag(option) ? "" : " " + OptionHelp.valueHint(option));
            String text = OptionHelp.describe(option);
            String shown = OptionHelp.defaultShown(option);
            if (!shown.isEmpty() && !isFlag(option)) {
                text += " (default: " + shown + ")";
            }
            b.append(OptionHelp.wrap(left, text));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        Map<String, String> shown = new LinkedHashMap<>();
        for (ConfigOption<?> option : ALL) {
            shown.put(option.key(), OptionHelp.valueShown(conf.get(option)));
        }
        shown.put(POSTGRES_PASSWORD.key(), "***");
        shown.put(POSTGRES_URL.key(), PostgresLogin.mask(get(POSTGRES_URL)));
        return shown.toString();
    }
}
