package dev.usermetrics.sink;

import dev.usermetrics.budgets.BudgetAlert;
import dev.usermetrics.sql.SqlIdentifiers;
import dev.usermetrics.records.Decimals;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.RowTotals;
import dev.usermetrics.records.ScoreDataType;
import dev.usermetrics.records.ScoreDelta;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.validation.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Everything the writer knows about one metric table, in one place: its columns (keys first)
 * with their SQL types, how a {@link MetricsRow} fills them (as text, which COPY and the text[]
 * arrays cast per column), its key, and its statements — an upsert of many rows (COPY into a
 * staging table, then one INSERT … SELECT … ON CONFLICT) and a delete of many keys (arrays zipped
 * by unnest: deletes are few, and a join with a staging table that has no statistics could be
 * planned as a scan of the whole table).
 * Whether a row is written or deleted is {@link MetricsRow#isDelete()} (in SQL terms: its table's
 * count columns are all 0; TableLayoutTest checks the two agree over the values filled here).
 */
public enum TableLayout {
    USER_METRICS(SinkTable.USER_METRICS, "user_metrics", Cols.keys(Cols.PROJECT, Cols.USER), Cols.TOTALS,
            (r, v) -> {
                v.add(r.projectId);
                v.add(r.userId);
                totals(r, v);
            }),
    USER_METRICS_ENV(SinkTable.USER_METRICS_ENV, "user_metrics_env", Cols.keys(Cols.PROJECT, Cols.USER, Cols.ENV),
            Cols.TOTALS, (r, v) -> {
                v.add(r.projectId);
                v.add(r.userId);
                v.add(r.environment);
                totals(r, v);
            }),
    USER_METRICS_HOURLY(SinkTable.USER_METRICS_HOURLY, "user_metrics_hourly", Cols.BUCKET_KEYS, Cols.METRICS, TableLayout::bucketRow),
    USER_METRICS_DAILY(SinkTable.USER_METRICS_DAILY, "user_metrics_daily", Cols.BUCKET_KEYS, Cols.METRICS, TableLayout::bucketRow),
    USER_MODEL_METRICS_DAILY(SinkTable.USER_MODEL_METRICS_DAILY, "user_model_metrics_daily",
            Cols.with(Cols.BUCKET_KEYS, List.of(new Col("model", "text"))), Cols.MODEL_VALUES, (r, v) -> {
                keyWithBucket(r, v);
                v.add(r.subKey);
                ModelMetrics m = r.modelMetrics;
                v.add(Long.toString(m.observations));
                v.add(Long.toString(m.inputTokens));
                v.add(Long.toString(m.outputTokens));
                v.add(Long.toString(m.totalTokens));
                v.add(Decimals.text(m.inputCost));
                v.add(Decimals.text(m.outputCost));
                v.add(Decimals.text(m.totalCost));
                v.add(Decimals.text(m.calculatedTotalCost));
                v.add(Long.toString(m.unpricedObservations));
                v.add(Long.toString(m.traces));
            }),
    USER_SCORES(SinkTable.USER_SCORES, "user_scores", Cols.keys(Cols.PROJECT, Cols.USER, new Col("name", "text"), new Col("data_type", "text")),
            List.of(new Col("score_count", "bigint"), new Col("value_sum", "numeric"), new Col("value_counts", "jsonb"),
                    new Col("last_score_at", "timestamptz")), (r, v) -> {
                ScoreDataType type = ScoreDelta.typeOf(r.subKey);
                v.add(r.projectId);
                v.add(r.userId);
                v.add(ScoreDelta.nameOf(r.subKey));
                v.add(type.name());
                v.add(Long.toString(r.score.count));
                // value_sum only for types with values, value_counts only for labels.
                v.add(type.hasValue() ? Decimals.text(r.score.valueSum) : null);
                v.add(type.hasLabel() ? SinkStatements.toJson(r.score.labels) : null);
                v.add(timestamp(r.score.lastScoreAtNanos));
            }),
    /** Users per project, over all environments (environment '') and per environment. */
    PROJECT_USERS(SinkTable.PROJECT_USERS, "project_users", Cols.keys(Cols.PROJECT, Cols.ENV), List.of(new Col("user_count", "bigint")),
            (r, v) -> {
                v.add(r.projectId);
                v.add(r.environment == null ? "" : r.environment);
                v.add(Long.toString(r.userCount));
            }),
    /**
     * Per user, environment ('' = all) and trailing window: the columns the Users list orders and
     * shows (no per-key usage / cost details: a window row changes with every bucket change).
     */
    USER_METRICS_WINDOWS(SinkTable.USER_METRICS_WINDOWS, "user_metrics_windows",
            Cols.keys(Cols.PROJECT, Cols.USER, Cols.ENV, new Col("time_window", "text")), Cols.WINDOW_METRICS, (r, v) -> {
                v.add(r.projectId);
                v.add(r.userId);
                v.add(r.environment);
                v.add(r.subKey);
                counts(r.metrics, v);
                v.add(Decimals.text(r.metrics.calculatedTotalCost));
            }),
    /** One row per trace that counts for a user: the user page's traces (keyed by the trace, so it moves with it). */
    USER_TRACES(SinkTable.USER_TRACES, "user_traces", Cols.keys(Cols.PROJECT, Cols.TRACE),
            Cols.with(List.of(Cols.USER, new Col("name", "text"), new Col("trace_time", "timestamptz"), Cols.ENV,
                    new Col("session_id", "text")), Cols.TRACE_TOTALS), (r, v) -> {
                v.add(r.projectId);
                v.add(r.traceId);
                v.add(r.userId);
                v.add(r.name);
                v.add(timestamp(r.timeNanos));
                v.add(r.environment);
                v.add(r.sessionId);
                RowTotals t = r.totals;
                v.add(Long.toString(t.observations));
                v.add(Long.toString(t.scores));
                v.add(Long.toString(t.inputTokens));
                v.add(Long.toString(t.outputTokens));
                v.add(Long.toString(t.totalTokens));
                v.add(Decimals.text(t.inputCost));
                v.add(Decimals.text(t.outputCost));
                v.add(Decimals.text(t.totalCost));
                v.add(Decimals.text(t.calculatedTotalCost));
            }),
    /** One row per score of such a trace: the user page's scores (user and environment: its trace's). */
    USER_TRACE_SCORES(SinkTable.USER_TRACE_SCORES, "user_trace_scores", Cols.keys(Cols.PROJECT, Cols.TRACE, new Col("score_id", "text", true)),
            List.of(Cols.USER, new Col("name", "text"), new Col("data_type", "text"), new Col("value", "numeric"),
                    new Col("string_value", "text"), new Col("score_time", "timestamptz"), Cols.ENV), (r, v) -> {
                v.add(r.projectId);
                v.add(r.traceId);
                v.add(r.scoreId);
                v.add(r.userId);
                v.add(r.name);
                v.add(r.scoreDataType.name());
                v.add(r.scoreDataType.hasValue() && r.scoreValue != null ? Decimals.text(r.scoreValue) : null);
                v.add(r.scoreDataType.hasLabel() ? r.scoreLabel : null);
                v.add(timestamp(r.timeNanos));
                v.add(r.environment);
            }),
    /** One row per budget alert: keyed by its id (derived from the crossing), updated when it resolves. */
    USER_BUDGET_ALERTS(SinkTable.USER_BUDGET_ALERTS, "user_budget_alerts", Cols.keys(new Col("alert_id", "uuid")),
            List.of(Cols.PROJECT, Cols.USER, new Col("budget_id", "text"), new Col("threshold", "numeric"),
                    new Col("window_start", "timestamptz"), new Col("crossing", "integer"), new Col("state", "text"),
                    new Col("measure", "text"), new Col("time_window", "text"), Cols.ENV, new Col("limit_value", "numeric"),
                    new Col("threshold_value", "numeric"), new Col("value_at_crossing", "numeric"),
                    new Col("crossed_at", "timestamptz"), new Col("value_at_resolution", "numeric"),
                    new Col("resolved_at", "timestamptz")), (r, v) -> {
                BudgetAlert a = r.alert;
                v.add(a.alertId);
                v.add(a.projectId);
                v.add(a.userId);
                v.add(a.budgetId);
                v.add(Decimals.text(a.threshold));
                v.add(a.windowStartMillis == null ? null : Instant.ofEpochMilli(a.windowStartMillis).toString());
                v.add(Integer.toString(a.crossing));
                v.add(a.state);
                v.add(a.measure);
                v.add(a.window);
                v.add(a.environment);
                v.add(Decimals.text(a.limit));
                v.add(Decimals.text(a.thresholdValue));
                v.add(Decimals.text(a.valueAtCrossing));
                v.add(Instant.ofEpochMilli(a.crossedAtMillis).toString());
                v.add(a.valueAtResolution == null ? null : Decimals.text(a.valueAtResolution));
                v.add(a.resolvedAtMillis == null ? null : Instant.ofEpochMilli(a.resolvedAtMillis).toString());
            });

    /**
     * A column: its name and SQL type. A hashed key column is unique through {@code md5(column)}
     * (a trace or score id may be 3,000 bytes, more than a B-tree index row holds; KeyLimits).
     */
    public record Col(String name, String type, boolean hashed) {
        Col(String name, String type) {
            this(name, type, false);
        }

        /** The column as the unique index has it. */
        String indexed() {
            return hashed ? "(md5(" + name + "))" : name;
        }
    }

    /** Column lists shared by several tables (a holder: enum constants cannot use the enum's own statics). */
    private static final class Cols {
        static final Col PROJECT = new Col("project_id", "text");
        static final Col USER = new Col("user_id", "text");
        static final Col ENV = new Col("environment", "text");
        static final Col BUCKET = new Col("bucket_start", "timestamptz");
        static final Col TRACE = new Col("trace_id", "text", true);
        static final List<Col> BUCKET_KEYS = List.of(PROJECT, USER, ENV, BUCKET);
        /** Filled by {@link TableLayout#counts}. */
        static final List<Col> COUNTS = List.of(
                new Col("trace_count", "bigint"), new Col("observation_count", "bigint"), new Col("score_count", "bigint"),
                new Col("input_tokens", "bigint"), new Col("output_tokens", "bigint"), new Col("total_tokens", "bigint"),
                new Col("input_cost", "numeric"), new Col("output_cost", "numeric"), new Col("total_cost", "numeric"));
        static final List<Col> METRICS = with(COUNTS, List.of(
                new Col("usage_details", "jsonb"), new Col("cost_details", "jsonb"), new Col("calculated_total_cost", "numeric")));
        static final List<Col> WINDOW_METRICS = with(COUNTS, List.of(new Col("calculated_total_cost", "numeric")));
        /** Filled by {@link TableLayout#totals}. */
        static final List<Col> TOTALS = with(METRICS, List.of(new Col("first_seen", "timestamptz"), new Col("last_seen", "timestamptz"),
                new Col("session_count", "bigint")));
        /** A trace's totals ({@link RowTotals}; its trace count is 1 by definition). */
        static final List<Col> TRACE_TOTALS = List.of(new Col("observation_count", "bigint"), new Col("score_count", "bigint"),
                new Col("input_tokens", "bigint"), new Col("output_tokens", "bigint"), new Col("total_tokens", "bigint"),
                new Col("input_cost", "numeric"), new Col("output_cost", "numeric"), new Col("total_cost", "numeric"),
                new Col("calculated_total_cost", "numeric"));
        static final List<Col> MODEL_VALUES = List.of(new Col("observation_count", "bigint"), new Col("input_tokens", "bigint"),
                new Col("output_tokens", "bigint"), new Col("total_tokens", "bigint"),
                new Col("input_cost", "numeric"), new Col("output_cost", "numeric"), new Col("total_cost", "numeric"),
                new Col("calculated_total_cost", "numeric"), new Col("unpriced_observation_count", "bigint"),
                new Col("trace_count", "bigint"));

        static List<Col> keys(Col... cols) {
            return List.of(cols);
        }

        static List<Col> with(List<Col> a, List<Col> b) {
            List<Col> out = new ArrayList<>(a);
            out.addAll(b);
            return List.copyOf(out);
        }
    }

    private final SinkTable table;
    private final String name;
    private final List<Col> keys;
    private final List<Col> columns;
    private final BiConsumer<MetricsRow, List<String>> fill;

    TableLayout(SinkTable table, String name, List<Col> keys, List<Col> values, BiConsumer<MetricsRow, List<String>> fill) {
        this.table = table;
        this.name = name;
        this.keys = keys;
        this.columns = Cols.with(keys, values);
        this.fill = fill;
    }

    public static TableLayout of(SinkTable table) {
        return values()[table.ordinal()];
    }

    public SinkTable table() {
        return table;
    }

    public String tableName() {
        return name;
    }

    public List<Col> columns() {
        return columns;
    }

    public int keyCount() {
        return keys.size();
    }

    /** Every column's value as text (null = SQL NULL), keys first, in {@link #columns()} order. */
    public List<String> values(MetricsRow r) {
        List<String> v = new ArrayList<>(columns.size());
        fill.accept(r, v);
        if (v.size() != columns.size()) {
            throw new IllegalStateException(name + ": " + v.size() + " values for " + columns.size() + " columns");
        }
        return v;
    }

    /**
     * The session's staging table of this table's upserts: temporary (no WAL, no index), emptied
     * at every commit. Rows reach it by COPY, then one INSERT … SELECT applies them.
     */
    public String createStageSql() {
        return "CREATE TEMPORARY TABLE IF NOT EXISTS " + stageName() + " (" + join(columns, c -> c.name() + " " + c.type())
                + ") ON COMMIT DELETE ROWS";
    }

    /** Loads rows in COPY's text format (tab-separated, {@code \N} = NULL) into the staging table. */
    public String copySql() {
        return "COPY pg_temp." + stageName() + " (" + join(columns, Col::name) + ") FROM STDIN";
    }

    /** COPY straight into the table: every column, then updated_at (used while no row exists yet). */
    public String copyIntoSql(String schema) {
        return "COPY " + SqlIdentifiers.quote(schema) + "." + name + " (" + join(columns, Col::name) + ", updated_at) FROM STDIN";
    }

    /** Upserts the staged rows (every one of them: the staging table holds one batch). */
    public String upsertSql(String schema) {
        String names = join(columns, Col::name);
        String keyNames = join(keys, Col::indexed);
        String updates = columns.subList(keys.size(), columns.size()).stream()
                .map(c -> c.name() + " = EXCLUDED." + c.name()).collect(Collectors.joining(", "));
        return "INSERT INTO " + SqlIdentifiers.quote(schema) + "." + name + " (" + names + ", updated_at)"
                + " SELECT " + names + ", now() FROM pg_temp." + stageName()
                + " ON CONFLICT (" + keyNames + ") DO UPDATE SET " + updates + ", updated_at = EXCLUDED.updated_at";
    }

    private String stageName() {
        return "um_stage_" + name;
    }

    /** Deletes the rows whose keys are given as one text[] per key column. */
    public String deleteSql(String schema) {
        String keyNames = join(keys, Col::name);
        return "DELETE FROM " + SqlIdentifiers.quote(schema) + "." + name + " m"
                + " USING unnest(" + join(keys, c -> "?::text[]::" + c.type() + "[]") + ") AS d(" + keyNames + ")"
                + " WHERE " + keys.stream().map(c -> (c.hashed() ? "md5(m." + c.name() + ") = md5(d." + c.name() + ") AND " : "")
                        + "m." + c.name() + " = d." + c.name()).collect(Collectors.joining(" AND "));
    }

    private static String join(List<Col> cols, java.util.function.Function<Col, String> f) {
        return cols.stream().map(f).collect(Collectors.joining(", "));
    }

    private static void bucketRow(MetricsRow r, List<String> v) {
        keyWithBucket(r, v);
        metrics(r.metrics, v);
    }

    private static void keyWithBucket(MetricsRow r, List<String> v) {
        v.add(r.projectId);
        v.add(r.userId);
        v.add(r.environment);
        v.add(Instant.ofEpochMilli(r.bucketStartMillis).toString());
    }

    private static void metrics(Metrics m, List<String> v) {
        counts(m, v);
        v.add(SinkStatements.toJson(m.usage));
        v.add(SinkStatements.toJson(m.cost));
        v.add(Decimals.text(m.calculatedTotalCost));
    }

    /** The {@code Cols.TOTALS} columns: a user's totals (all time, over all environments or in one). */
    private static void totals(MetricsRow r, List<String> v) {
        metrics(r.metrics, v);
        v.add(timestamp(r.firstSeenNanos));
        v.add(timestamp(r.lastSeenNanos));
        v.add(Long.toString(r.sessionCount));
    }

    /** The {@code Cols.COUNTS} columns. */
    private static void counts(Metrics m, List<String> v) {
        v.add(Long.toString(m.traces));
        v.add(Long.toString(m.observations));
        v.add(Long.toString(m.scores));
        v.add(Long.toString(Metrics.tokensContaining(m.usage, "input")));
        v.add(Long.toString(Metrics.tokensContaining(m.usage, "output")));
        v.add(Long.toString(m.totalTokens));
        v.add(Decimals.text(Metrics.costContaining(m.cost, "input")));
        v.add(Decimals.text(Metrics.costContaining(m.cost, "output")));
        v.add(Decimals.text(m.totalCost));
    }

    /**
     * Epoch nanos as an ISO instant rounded to Postgres's microseconds, half up (as the JDBC
     * driver rounded the OffsetDateTime it was given before, so tables stay byte-identical).
     */
    static String timestamp(Long nanos) {
        if (nanos == null) {
            return null;
        }
        long micros = Math.floorDiv(nanos + 500, 1000);
        return Timestamps.toInstant(micros * 1000).toString();
    }
}
