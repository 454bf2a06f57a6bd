package dev.usermetrics.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.records.ScoreDataType;
import dev.usermetrics.records.ScoreDelta;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.records.RejectedEvent;
import dev.usermetrics.validation.Timestamps;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

/**
 * All SQL the job writes, in one place. Metric rows are written as absolute values with
 * INSERT … ON CONFLICT DO UPDATE SET col = EXCLUDED.col (never increments), so replaying after
 * a restart converges to the same rows; a row that counts nothing any more (no trace,
 * observation or score) is deleted instead, in the same statement.
 */
public final class SinkStatements {

    private SinkStatements() {}

    /** A column of a statement: its name and the SQL type its parameter is cast to. */
    private record Col(String name, String type) {}

    private static final List<Col> METRIC_COLUMNS = List.of(
            new Col("trace_count", "bigint"), new Col("observation_count", "bigint"), new Col("score_count", "bigint"),
            new Col("input_tokens", "bigint"), new Col("output_tokens", "bigint"), new Col("total_tokens", "bigint"),
            new Col("input_cost", "numeric"), new Col("output_cost", "numeric"), new Col("total_cost", "numeric"),
            new Col("usage_details", "jsonb"), new Col("cost_details", "jsonb"), new Col("calculated_total_cost", "numeric"));
    private static final List<Col> SEEN = List.of(new Col("first_seen", "timestamptz"), new Col("last_seen", "timestamptz"));
    private static final String METRICS_EMPTY = "r.trace_count = 0 AND r.observation_count = 0 AND r.score_count = 0";

    private static final Col PROJECT = new Col("project_id", "text");
    private static final Col USER = new Col("user_id", "text");
    private static final Col ENV = new Col("environment", "text");
    private static final Col BUCKET = new Col("bucket_start", "timestamptz");

    /** user_metrics: per user, all environments. */
    public static String userMetricsSql(String schema) {
        return upsertOrDelete(schema, "user_metrics", List.of(PROJECT, USER), concat(METRIC_COLUMNS, SEEN), METRICS_EMPTY);
    }

    /** user_metrics_env: per user and environment. */
    public static String userMetricsEnvSql(String schema) {
        return upsertOrDelete(schema, "user_metrics_env", List.of(PROJECT, USER, ENV), concat(METRIC_COLUMNS, SEEN), METRICS_EMPTY);
    }

    /** For user_metrics_hourly and user_metrics_daily. */
    public static String bucketSql(String schema, String table) {
        return upsertOrDelete(schema, table, List.of(PROJECT, USER, ENV, BUCKET), METRIC_COLUMNS, METRICS_EMPTY);
    }

    public static String modelDailySql(String schema) {
        return upsertOrDelete(schema, "user_model_metrics_daily", List.of(PROJECT, USER, ENV, BUCKET, new Col("model", "text")),
                List.of(new Col("observation_count", "bigint"), new Col("input_tokens", "bigint"),
                        new Col("output_tokens", "bigint"), new Col("total_tokens", "bigint"),
                        new Col("input_cost", "numeric"), new Col("output_cost", "numeric"), new Col("total_cost", "numeric"),
                        new Col("calculated_total_cost", "numeric"), new Col("unpriced_observation_count", "bigint")),
                "r.observation_count = 0");
    }

    public static String scoresSql(String schema) {
        return upsertOrDelete(schema, "user_scores", List.of(PROJECT, USER, new Col("name", "text"), new Col("data_type", "text")),
                List.of(new Col("score_count", "bigint"), new Col("value_sum", "numeric"),
                        new Col("value_counts", "jsonb"), new Col("last_score_at", "timestamptz")),
                "r.score_count = 0");
    }

    /** project_users: users per project, over all environments (environment '') and per environment. */
    public static String projectUsersSql(String schema) {
        return upsertOrDelete(schema, "project_users", List.of(PROJECT, ENV), List.of(new Col("user_count", "bigint")),
                "r.user_count = 0");
    }

    /**
     * One statement that writes the absolute value of a row, or deletes it when it counts
     * nothing ({@code emptyWhen}, over the parameters as {@code r.*}).
     */
    private static String upsertOrDelete(String schema, String table, List<Col> keys, List<Col> values, String emptyWhen) {
        String t = quoteIdent(schema) + "." + table;
        List<Col> all = concat(keys, values);
        String names = all.stream().map(Col::name).collect(Collectors.joining(", "));
        String params = all.stream().map(c -> "?::" + c.type()).collect(Collectors.joining(", "));
        String keyNames = keys.stream().map(Col::name).collect(Collectors.joining(", "));
        String keyMatch = keys.stream().map(c -> "m." + c.name() + " = r." + c.name()).collect(Collectors.joining(" AND "));
        String updates = values.stream().map(c -> c.name() + " = EXCLUDED." + c.name()).collect(Collectors.joining(", "));
        return "WITH r (" + names + ") AS (VALUES (" + params + ")),"
                + " gone AS (DELETE FROM " + t + " m USING r WHERE " + emptyWhen + " AND " + keyMatch + ")"
                + " INSERT INTO " + t + " (" + names + ", updated_at)"
                + " SELECT r.*, now() FROM r WHERE NOT (" + emptyWhen + ")"
                + " ON CONFLICT (" + keyNames + ") DO UPDATE SET " + updates + ", updated_at = EXCLUDED.updated_at";
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    public static String rejectedSql(String schema) {
        return "INSERT INTO " + quoteIdent(schema) + ".rejected_events"
                + " (event_id, project_id, action, reason, detail, raw, kafka_topic, kafka_partition, kafka_offset)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (kafka_topic, kafka_partition, kafka_offset, reason, (md5(coalesce(event_id, '')))) DO NOTHING";
    }

    /** Binds a user_metrics or user_metrics_env row. */
    public static final class UserMetricsBinder implements JdbcStatementBuilder<MetricsRow> {
        @Override
        public void accept(PreparedStatement ps, MetricsRow r) throws SQLException {
            int i = bindKey(ps, r, r.table == SinkTable.USER_METRICS_ENV);
            i = bindMetrics(ps, i, r.metrics);
            ps.setObject(i++, toTimestamp(r.firstSeenNanos));
            ps.setObject(i, toTimestamp(r.lastSeenNanos));
        }
    }

    /** Binds a user_metrics_hourly / _daily row. */
    public static final class BucketBinder implements JdbcStatementBuilder<MetricsRow> {
        @Override
        public void accept(PreparedStatement ps, MetricsRow r) throws SQLException {
            int i = bindKey(ps, r, true);
            ps.setObject(i++, bucket(r));
            bindMetrics(ps, i, r.metrics);
        }
    }

    /** Binds a user_model_metrics_daily row. */
    public static final class ModelDailyBinder implements JdbcStatementBuilder<MetricsRow> {
        @Override
        public void accept(PreparedStatement ps, MetricsRow r) throws SQLException {
            int i = bindKey(ps, r, true);
            ps.setObject(i++, bucket(r));
            ps.setString(i++, r.subKey);
            ModelMetrics m = r.modelMetrics;
            ps.setLong(i++, m.observations);
            ps.setLong(i++, m.inputTokens);
            ps.setLong(i++, m.outputTokens);
            ps.setLong(i++, m.totalTokens);
            ps.setBigDecimal(i++, canonical(m.inputCost));
            ps.setBigDecimal(i++, canonical(m.outputCost));
            ps.setBigDecimal(i++, canonical(m.totalCost));
            ps.setBigDecimal(i++, canonical(m.calculatedTotalCost));
            ps.setLong(i, m.unpricedObservations);
        }
    }

    /** Binds a user_scores row: value_sum only for types with values, value_counts only for labels. */
    public static final class ScoresBinder implements JdbcStatementBuilder<MetricsRow> {
        @Override
        public void accept(PreparedStatement ps, MetricsRow r) throws SQLException {
            int i = bindKey(ps, r, false);
            ScoreDataType type = ScoreDelta.typeOf(r.subKey);
            ps.setString(i++, ScoreDelta.nameOf(r.subKey));
            ps.setString(i++, type.name());
            ps.setLong(i++, r.score.count);
            ps.setBigDecimal(i++, type.hasValue() ? canonical(r.score.valueSum) : null);
            ps.setString(i++, type.hasLabel() ? toJson(r.score.labels) : null);
            ps.setObject(i, toTimestamp(r.score.lastScoreAtNanos));
        }
    }

    /** Binds a project_users row ('' = all environments). */
    public static final class ProjectUsersBinder implements JdbcStatementBuilder<MetricsRow> {
        @Override
        public void accept(PreparedStatement ps, MetricsRow r) throws SQLException {
            ps.setString(1, r.projectId);
            ps.setString(2, r.environment == null ? "" : r.environment);
            ps.setLong(3, r.userCount);
        }
    }

    private static int bindKey(PreparedStatement ps, MetricsRow r, boolean withEnvironment) throws SQLException {
        ps.setString(1, r.projectId);
        ps.setString(2, r.userId);
        if (withEnvironment) {
            ps.setString(3, r.environment);
            return 4;
        }
        return 3;
    }

    private static OffsetDateTime bucket(MetricsRow r) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(r.bucketStartMillis), ZoneOffset.UTC);
    }

    public static final class RejectedBinder implements JdbcStatementBuilder<RejectedEvent> {
        @Override
        public void accept(PreparedStatement ps, RejectedEvent r) throws SQLException {
            ps.setString(1, r.eventId);
            ps.setString(2, r.projectId);
            ps.setString(3, r.action);
            ps.setString(4, r.reason);
            ps.setString(5, r.detail);
            ps.setString(6, r.raw);
            ps.setString(7, r.topic == null ? "" : r.topic);
            ps.setInt(8, r.partition);
            ps.setLong(9, r.offset);
        }
    }

    private static int bindMetrics(PreparedStatement ps, int i, Metrics m) throws SQLException {
        ps.setLong(i++, m.traces);
        ps.setLong(i++, m.observations);
        ps.setLong(i++, m.scores);
        ps.setLong(i++, Metrics.tokensContaining(m.usage, "input"));
        ps.setLong(i++, Metrics.tokensContaining(m.usage, "output"));
        ps.setLong(i++, m.totalTokens);
        ps.setBigDecimal(i++, canonical(Metrics.costContaining(m.cost, "input")));
        ps.setBigDecimal(i++, canonical(Metrics.costContaining(m.cost, "output")));
        ps.setBigDecimal(i++, canonical(m.totalCost));
        ps.setString(i++, toJson(m.usage));
        ps.setString(i++, toJson(m.cost));
        ps.setBigDecimal(i++, canonical(m.calculatedTotalCost));
        return i;
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /**
     * The same decimal always as the same text: a sum's scale depends on the order of the
     * additions (0.000000000000 or 0), and jsonb keeps the text it is given.
     */
    static BigDecimal canonical(BigDecimal d) {
        return d == null ? null : d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
    }

    static String toJson(Map<String, ?> map) {
        Map<String, Object> sorted = new TreeMap<>();
        map.forEach((k, v) -> sorted.put(k, v instanceof BigDecimal d ? canonical(d) : v));
        try {
            return JSON.writeValueAsString(sorted);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OffsetDateTime toTimestamp(Long nanos) {
        return nanos == null ? null : OffsetDateTime.ofInstant(Timestamps.toInstant(nanos), ZoneOffset.UTC);
    }

    /** Quotes a Postgres identifier (schema names come from the command line). */
    public static String quoteIdent(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }
}
