package dev.usermetrics;

import dev.usermetrics.budgets.BudgetAlert;
import dev.usermetrics.budgets.BudgetFeed;
import dev.usermetrics.config.FlinkSettings;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.functions.BudgetOperator;
import dev.usermetrics.functions.ContributionCombiner;
import dev.usermetrics.functions.FinalRowsOperator;
import dev.usermetrics.functions.DataClock;
import dev.usermetrics.functions.IdleExpiry;
import dev.usermetrics.functions.Keys;
import dev.usermetrics.functions.LatestRowBuffer;
import dev.usermetrics.functions.LatestRowPerKey;
import dev.usermetrics.functions.ProjectUserCounter;
import dev.usermetrics.functions.ParseAndValidate;
import dev.usermetrics.functions.RawRecordDeserializer;
import dev.usermetrics.functions.TraceBundleOperator;
import dev.usermetrics.functions.TraceResolver;
import dev.usermetrics.functions.UserAggregator;
import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.RawRecord;
import dev.usermetrics.pricing.PriceSnapshot;
import dev.usermetrics.otel.InputFormat;
import dev.usermetrics.validation.ProjectPins;
import dev.usermetrics.sink.AlertTopic;
import dev.usermetrics.sink.PostgresSinks;
import dev.usermetrics.sink.WriterClaim;
import dev.usermetrics.wire.WireType;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.rocksdb.RocksDBNativeMetricOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user-metrics job: Kafka ingestion events → parse and validate →
 * merge per trace (an observation or score is identified by project, trace and its id), resolve its user and price its
 * observations (model prices polled from Postgres, broadcast) → sum per
 * user (cumulative, hourly, daily) → latest rows, written when their checkpoint completes →
 * Postgres upserts.
 *
 * <p>The pipeline takes its source and sinks as constructor arguments, so tests can give it any
 * Kafka source or schema; {@link #main} wires it from the command line. One code path for a
 * cluster submission and a local MiniCluster run.
 */
public class UserMetricsJob {
    private static final Logger LOG = LoggerFactory.getLogger(UserMetricsJob.class);

    /** Upper bound for rescaling the keyed state; fixed once state exists. */
    public static final int MAX_PARALLELISM = 128;
    /** How many ports above --web-ui-port a local run may fall back to. */
    static final int WEB_UI_PORT_RANGE = 20;
    /** The combiner emits when it holds this many (user, environment, hour) keys, and before each barrier. */
    public static final int MAX_COMBINED_KEYS = 50_000;
    /** How often a live job's bundle, combiner and row folding pass their contents on. */
    public static final Duration LIVE_FLUSH_INTERVAL = Duration.ofMillis(200);
    /** The trace stage applies its buffered events trace by trace at this many (and at every barrier). */
    public static final int MAX_BUNDLED_EVENTS = 10_000;
    /** The user stage's rows are folded per key until the barrier, up to this many keys. */
    public static final int MAX_BUFFERED_ROWS = 50_000;

    /** Default of --state.trace-ttl. */
    public static final Duration DEFAULT_TRACE_TTL = JobOptions.STATE_TRACE_TTL.defaultValue();

    /** Default of --prices.poll-interval. */
    public static final Duration DEFAULT_PRICE_POLL_INTERVAL = JobOptions.PRICES_POLL_INTERVAL.defaultValue();

    private final Source<RawRecord, ?, ?> source;
    private final PostgresSinks sinks;
    private final IdleExpiry traceExpiry;
    private final Source<PriceSnapshot, ?, ?> prices;
    private BudgetFeed budgets;
    /** The alerts topic's sink (null: alerts go to user_budget_alerts only). */
    private Sink<BudgetAlert> alertTopic;
    private ParseAndValidate parser = new ParseAndValidate();
    private int rejectedRawChars = ParseAndValidate.DEFAULT_RAW_CHARS;
    private Duration rejectedRetention = JobOptions.REJECTED_RETENTION.defaultValue();
    private Duration listsRetention = JobOptions.LISTS_RETENTION.defaultValue();

    public UserMetricsJob(Source<RawRecord, ?, ?> source, PostgresSinks sinks) {
        this(source, sinks, DEFAULT_TRACE_TTL);
    }

    /** traceTtl: how long an idle trace's state is kept (zero: forever); see TraceResolver. */
    public UserMetricsJob(Source<RawRecord, ?, ?> source, PostgresSinks sinks, Duration traceTtl) {
        this(source, sinks, traceTtl, DEFAULT_PRICE_POLL_INTERVAL);
    }

    /**
     * pricePollInterval: how often the sink schema's model price tables are read (a bounded
     * source reads them once).
     */
    public UserMetricsJob(Source<RawRecord, ?, ?> source, PostgresSinks sinks, Duration traceTtl, Duration pricePollInterval) {
        this(source, sinks, traceTtl, sinks.prices(pricePollInterval, source.getBoundedness() == Boundedness.BOUNDED));
    }

    /** prices: the model price updates (tests may give any source). */
    public UserMetricsJob(Source<RawRecord, ?, ?> source, PostgresSinks sinks, Duration traceTtl,
            Source<PriceSnapshot, ?, ?> prices) {
        this.source = source;
        this.sinks = sinks;
        this.traceExpiry = new IdleExpiry(traceTtl);
        this.prices = prices;
        this.budgets = sinks.budgets(JobOptions.BUDGETS_POLL_INTERVAL.defaultValue(), source.getBoundedness() == Boundedness.BOUNDED);
    }

    /** Where the budgets come from (default: the sink schema's user_budgets, polled every 30 s). */
    public UserMetricsJob withBudgets(BudgetFeed budgets) {
        this.budgets = budgets;
        return this;
    }

    /** Also sends every budget alert to this sink (the alerts topic; null: none). */
    public UserMetricsJob withAlertTopic(Sink<BudgetAlert> sink) {
        this.alertTopic = sink;
        return this;
    }

    /** Reads the topics in these formats (default: every topic carries ingestion events). */
    public UserMetricsJob withInput(Map<String, InputFormat> formats, String otlpProjectAttribute, String otlpDefaultProject,
            ProjectPins pins) {
        Map<String, InputFormat> perTopic = new java.util.HashMap<>(formats);
        InputFormat fallback = perTopic.getOrDefault("", InputFormat.INGESTION_JSON);
        perTopic.remove("");
        this.parser = new ParseAndValidate(perTopic, fallback, otlpProjectAttribute, otlpDefaultProject, pins);
        return this;
    }

    /** What rejected_events keeps: characters of each record's raw text, and for how long (zero: forever). */
    public UserMetricsJob withRejected(int rawChars, Duration retention) {
        this.rejectedRawChars = rawChars;
        this.rejectedRetention = retention;
        return this;
    }

    /** How long the user page's list rows (user_traces, user_trace_scores) are kept (zero: forever). */
    public UserMetricsJob withListsRetention(Duration retention) {
        this.listsRetention = retention;
        return this;
    }

    /** Adds the pipeline to {@code env}. Every stateful operator has a stable uid. */
    public void build(StreamExecutionEnvironment env) {
        buildFrom(env.fromSource(source, DataClock.ofInput(), "kafka-source").uid("kafka-source"));
    }

    /** The pipeline from raw records on (tests insert a fault injector before it). */
    public void buildFrom(DataStream<RawRecord> raw) {
        // A bounded run (a backfill, a replay) writes each final row once at end of input (FinalRows).
        boolean rowsAtEnd = source.getBoundedness() == Boundedness.BOUNDED;
        // Live jobs pass work on every LIVE_FLUSH_INTERVAL (no burst at the barrier); bounded runs
        // fold until the barrier.
        long flushMillis = rowsAtEnd ? 0 : LIVE_FLUSH_INTERVAL.toMillis();
        // Broadcast to every trace-stage subtask; the stage keeps the snapshot in its broadcast
        // state TraceResolver.PRICES (TraceBundleOperator, as connect(BroadcastStream) would).
        DataStream<PriceSnapshot> priceUpdates = raw.getExecutionEnvironment()
                .fromSource(prices, DataClock.<PriceSnapshot>none(), "model-prices")
                .uid("model-prices")
                .setParallelism(1)
                .broadcast();

        SingleOutputStreamOperator<IngestionEvent> events = raw
                .process(parser.keepRawChars(rejectedRawChars), WireType.INGESTION_EVENT)
                .name("parse-and-validate")
                .uid("parse-and-validate");

        events.getSideOutput(ParseAndValidate.REJECTED)
                .sinkTo(sinks.rejected(rejectedRetention))
                .name("sink-rejected-events")
                .uid("sink-rejected-events");

        SingleOutputStreamOperator<Contribution> resolved = events
                .keyBy(new Keys.ByTrace())
                .connect(priceUpdates)
                .transform("resolve-trace-user", WireType.CONTRIBUTION,
                        new TraceBundleOperator(new TraceResolver(traceExpiry), MAX_BUNDLED_EVENTS, flushMillis))
                .uid("resolve-trace-user");
        // The user page's lists (user_traces, user_trace_scores): rows of the trace stage itself.
        DataStream<MetricsRow> traceRows = resolved
                .getSideOutput(TraceResolver.ROWS)
                .transform("latest-trace-rows", WireType.METRICS_ROW, new LatestRowPerKey(MAX_BUFFERED_ROWS, flushMillis))
                .uid("latest-trace-rows");
        DataStream<Contribution> contributions = resolved
                .transform("combine-contributions", WireType.CONTRIBUTION,
                        new ContributionCombiner(MAX_COMBINED_KEYS, flushMillis))
                .uid("combine-contributions");

        SingleOutputStreamOperator<MetricsRow> userRows = contributions
                .keyBy(new Keys.ByUser())
                .transform("aggregate-user-metrics", WireType.METRICS_ROW,
                        new FinalRowsOperator<>(new UserAggregator(rowsAtEnd), rowsAtEnd))
                .uid("aggregate-user-metrics");

        DataStream<MetricsRow> projectRows = userRows
                .getSideOutput(UserAggregator.USER_COUNT_CHANGES)
                .keyBy(new Keys.ByProject())
                .transform("count-project-users", WireType.METRICS_ROW,
                        new FinalRowsOperator<>(new ProjectUserCounter(rowsAtEnd), rowsAtEnd))
                .uid("count-project-users");

        // Budgets: evaluated on the user stage's rows, chained to it and keyed as they already are, at each barrier.
        SingleOutputStreamOperator<MetricsRow> alertRows = DataStreamUtils
                .reinterpretAsKeyedStream(userRows, new Keys.RowsByUser(), Types.STRING)
                .transform("evaluate-budgets", WireType.METRICS_ROW, new BudgetOperator(budgets, rowsAtEnd))
                .uid("evaluate-budgets");
        if (alertTopic != null) {
            alertRows.getSideOutput(BudgetOperator.ALERTS)
                    .sinkTo(alertTopic)
                    .name("sink-budget-alerts")
                    .uid("sink-budget-alerts");
        }

        userRows
                .transform("latest-user-rows", WireType.METRICS_ROW, new LatestRowPerKey(MAX_BUFFERED_ROWS, flushMillis))
                .uid("latest-user-rows")
                .union(projectRows, traceRows, alertRows)
                .transform("rows-on-checkpoint", Types.VOID, new LatestRowBuffer(sinks.rows(), rowsAtEnd, sinks.listRetention(listsRetention)))
                .uid("rows-on-checkpoint");
    }

    public static KafkaSource<RawRecord> kafkaSource(JobOptions o) {
        KafkaSourceBuilder<RawRecord> b = KafkaSource.<RawRecord>builder()
                // First: the job's own settings below win over the user's properties.
                .setProperties(o.kafkaProperties())
                .setBootstrapServers(o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setTopics(o.topics())
                .setGroupId(o.get(JobOptions.KAFKA_GROUP_ID))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setStartingOffsets(switch (o.startingOffsets()) {
                    case "latest" -> OffsetsInitializer.latest();
                    case "committed" -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                    default -> OffsetsInitializer.earliest();
                });
        if (o.bounded()) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /**
     * The Flink configuration of a run: {@link FlinkSettings} (shared with the standalone
     * cluster's config.yaml; managed memory per slot for a local run), plus what only the job sets.
     */
    public static Configuration flinkConfiguration(JobOptions o) {
        Configuration conf = FlinkSettings.forSlots(o.parallelism());
        String dir = o.get(JobOptions.CHECKPOINT_DIR);
        if (!dir.isBlank()) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
        }
        if (o.get(JobOptions.METRICS_STATE_SIZES)) {
            conf.set(RocksDBNativeMetricOptions.ESTIMATE_NUM_KEYS, true);
            conf.set(RocksDBNativeMetricOptions.ESTIMATE_LIVE_DATA_SIZE, true);
            conf.set(RocksDBNativeMetricOptions.MONITOR_LIVE_SST_FILES_SIZE, true);
        }
        // Hot state types are POJOs; fail at graph build time instead of falling back to Kryo.
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        int port = o.webUiPort();
        // A local run takes the next free port when the default one is busy (e.g. two runs).
        conf.set(RestOptions.BIND_PORT, port == 0 ? "0" : port + "-" + (port + WEB_UI_PORT_RANGE));
        return conf;
    }

    public static void configure(StreamExecutionEnvironment env, JobOptions o) {
        env.setParallelism(o.parallelism());
        env.setMaxParallelism(MAX_PARALLELISM);
        // Safe: no operator mutates a record after emitting it (state is RocksDB, so every state
        // read is a fresh copy), and the operators that keep input records until a barrier
        // (LatestRowPerKey, the budget stage) get a new object per record from their producers.
        // Saves a deep copy per chained hop.
        env.getConfig().enableObjectReuse();
        env.enableCheckpointing(o.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
    }

    /** The command line: exits with {@link #run}'s code when it is not 0 (a usage error: 2, a refused start: 1). */
    public static void main(String[] args) throws Exception {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the job as the command line says and returns the exit code (0: done, or submitted; 1:
     * the start was refused; 2: a usage error), printing what went wrong; never exits the JVM
     * (tests call it). A failure of the job itself is thrown.
     */
    public static int run(String[] args) throws Exception {
        JobOptions o;
        try {
            o = JobOptions.parse(args);
        } catch (JobOptions.UsageException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("Run with --help to list the options.");
            return 2;
        }
        if (o.help()) {
            System.out.print(JobOptions.usage());
            return 0;
        }
        Configuration conf = flinkConfiguration(o);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (env instanceof LocalStreamEnvironment && o.get(JobOptions.CHECKPOINT_DIR).isBlank()) {
            // In-memory checkpoint storage caps state handles at a few MB; RocksDB files outgrow it.
            String dir = Path.of(System.getProperty("java.io.tmpdir"), "user-metrics-checkpoints").toUri().toString();
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
            env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            LOG.info("No --checkpoint-dir given; local checkpoints go to {}", dir);
        }
        configure(env, o);
        LOG.info("Starting user-metrics with {}", o);
        if (env instanceof LocalStreamEnvironment) {
            System.out.println("Flink web UI (local MiniCluster): http://localhost:" + o.webUiPort()
                    + " (if that port is busy, the next free one up to " + (o.webUiPort() + WEB_UI_PORT_RANGE) + ")");
        }

        PostgresSinks sinks = new PostgresSinks(o.postgresLogin(), o.get(JobOptions.POSTGRES_SCHEMA)).takingOver(o.sinkTakeOver());
        if (!checkTopic(o) && o.bounded()) {
            System.err.println("error: topic " + o.get(JobOptions.KAFKA_TOPIC) + " does not exist at "
                    + o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS) + "; a --bounded run has nothing to read");
            return 1;
        }

        if (!ensureAlertTopic(o)) {
            return 1;
        }
        try {
            sinks.migrate();
        } catch (SQLException e) {
            System.err.println("error: cannot prepare the sink schema \"" + o.get(JobOptions.POSTGRES_SCHEMA) + "\" at "
                    + o.postgresLogin().maskedUrl() + " as user " + o.get(JobOptions.POSTGRES_USER) + ": " + e.getMessage());
            return 1;
        }
        of(o, sinks).build(env);
        // Named after its schema: operators (and bin/backfill) tell the generations' jobs apart.
        JobExecutionResult result;
        try {
            result = env.execute("user-metrics -> " + o.get(JobOptions.POSTGRES_SCHEMA));
        } catch (Exception e) {
            WriterClaim.RefusedException refused = ExceptionUtils.findThrowable(e, WriterClaim.RefusedException.class).orElse(null);
            if (refused == null) {
                throw e;
            }
            System.err.println("error: " + refused.getMessage());
            return 1;
        }
        if (!result.isJobExecutionResult()) {
            // Submitted detached to a cluster (bin/submit): the client does not wait for the end.
            System.out.println("user-metrics submitted as job " + result.getJobID() + "; results go to schema \""
                    + sinks.schema() + "\"");
        } else if (o.bounded()) {
            printSummary(result, sinks.schema());
        }
        return 0;
    }

    /** The job as the command line describes it, writing to {@code sinks}. */
    public static UserMetricsJob of(JobOptions o, PostgresSinks sinks) {
        return new UserMetricsJob(kafkaSource(o), sinks, o.traceTtl(), o.pricePollInterval())
                .withInput(o.inputFormats(), o.get(JobOptions.OTLP_PROJECT_ATTRIBUTE), o.get(JobOptions.OTLP_DEFAULT_PROJECT),
                        o.projectPins())
                .withRejected(o.rejectedRawChars(), o.rejectedRetention())
                .withListsRetention(o.listsRetention())
                .withBudgets(sinks.budgets(o.get(JobOptions.BUDGETS_POLL_INTERVAL), o.bounded()))
                .withAlertTopic(alertTopic(o));
    }

    /** The alerts topic's sink, or null: none configured, or a bounded run (a backfill rebuilds the table, pagers heard it live). */
    private static Sink<BudgetAlert> alertTopic(JobOptions o) {
        String topic = o.get(JobOptions.ALERTS_TOPIC);
        if (topic.isBlank() || o.bounded()) {
            return null;
        }
        Properties p = new Properties();
        p.putAll(o.kafkaProperties()); // TLS / SASL settings: the producer talks to the brokers as the consumer does
        p.remove("isolation.level"); // consumer-only
        return AlertTopic.sink(o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS), topic, p, "user-metrics-alerts-" + o.get(JobOptions.POSTGRES_SCHEMA));
    }

    /**
     * Creates the alerts topic when it is missing (broker defaults for partitions and
     * replication): the transactional producer would otherwise block the budget stage, and with
     * it the user stage, waiting for the topic's metadata. Returns false (after printing why) when
     * Kafka answered and refused to create it; when Kafka does not answer, the job starts (and
     * retries) as it does for its input.
     */
    private static boolean ensureAlertTopic(JobOptions o) {
        String topic = o.get(JobOptions.ALERTS_TOPIC);
        if (topic.isBlank() || o.bounded()) {
            return true;
        }
        try (Admin admin = Admin.create(adminProperties(o))) {
            if (admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) {
                return true;
            }
            admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
            LOG.info("Created the alerts topic {} at {}", topic, o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS));
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException) {
                return true; // created meanwhile
            }
            System.err.println("error: the alerts topic " + topic + " does not exist at " + o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS)
                    + " and could not be created (" + e.getCause() + "); create it, or run with --alerts.topic '' for no topic");
            return false;
        } catch (Exception e) {
            LOG.warn("Kafka at {} did not answer ({}); cannot check the alerts topic {}", o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS),
                    e.toString(), topic);
            return true;
        }
    }

    /** Admin client settings: the job's Kafka client settings (TLS, SASL), short timeouts. */
    private static Properties adminProperties(JobOptions o) {
        Properties p = new Properties();
        p.putAll(o.kafkaProperties()); // TLS / SASL settings: the check talks to the brokers as the job does
        p.remove("isolation.level"); // consumer-only
        p.put("bootstrap.servers", o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS));
        p.put("request.timeout.ms", "5000");
        p.put("default.api.timeout.ms", "10000");
        return p;
    }

    /**
     * Warns early when the topic is missing or Kafka does not answer (a streaming job would just
     * wait). Returns false only when Kafka answered and the topic is missing.
     */
    private static boolean checkTopic(JobOptions o) {
        List<String> topics = o.topics();
        try (Admin admin = Admin.create(adminProperties(o))) {
            var existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            List<String> missing = topics.stream().filter(t -> !existing.contains(t)).toList();
            if (!missing.isEmpty()) {
                LOG.warn("Topic(s) {} do not exist at {} (yet); the job reads them once they do",
                        missing, o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS));
                return false;
            }
        } catch (Exception e) {
            LOG.warn("Kafka at {} did not answer ({}); the job starts anyway and keeps retrying",
                    o.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS), e.toString());
        }
        return true;
    }

    private static void printSummary(JobExecutionResult result, String schema) {
        Map<String, Object> acc = new TreeMap<>(result.getAllAccumulatorResults());
        System.out.printf("user-metrics finished in %.1f s; results are in schema \"%s\".%n",
                result.getNetRuntime() / 1000.0, schema);
        acc.forEach((k, v) -> {
            if (!(v instanceof Long n) || n > 0 || k.equals("records read")) {
                System.out.printf("  %-40s %s%n", k, v);
            }
        });
    }
}
