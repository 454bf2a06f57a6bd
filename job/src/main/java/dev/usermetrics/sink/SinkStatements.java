package dev.usermetrics.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.RejectedEvent;
import dev.usermetrics.validation.Timestamps;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

/**
 * All SQL the job writes, in one place. Metric rows are written as absolute values with
 * INSERT … ON CONFLICT DO UPDATE SET col = EXCLUDED.col (never increments), so replaying after
 * a restart converges to the same rows; a row whose trace and observation counts are both 0
 * is deleted instead, in the same statement.
 */
public final class SinkStatements {

    private SinkStatements() {}

    private static final String METRIC_COLUMNS =
            "trace_count, observation_count, input_tokens, output_tokens, total_tokens, "
                    + "input_cost, output_cost, total_cost, usage_details, cost_details";
    private static final String METRIC_PARAMS =
            "?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::numeric, ?::numeric, ?::numeric, ?::jsonb, ?::jsonb";
    private static final String METRIC_UPDATES =
            "trace_count = EXCLUDED.trace_count, observation_count = EXCLUDED.observation_count, "
                    + "input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens, "
                    + "total_tokens = EXCLUDED.total_tokens, input_cost = EXCLUDED.input_cost, "
                    + "output_cost = EXCLUDED.output_cost, total_cost = EXCLUDED.total_cost, "
                    + "usage_details = EXCLUDED.usage_details, cost_details = EXCLUDED.cost_details, "
                    + "updated_at = EXCLUDED.updated_at";

    public static String userMetricsSql(String schema) {
        String t = quoteIdent(schema) + ".user_metrics";
        return "WITH r (project_id, user_id, " + METRIC_COLUMNS + ", first_seen, last_seen) AS ("
                + " VALUES (?::text, ?::text, " + METRIC_PARAMS + ", ?::timestamptz, ?::timestamptz)),"
                + " gone AS (DELETE FROM " + t + " m USING r WHERE r.trace_count = 0 AND r.observation_count = 0"
                + " AND m.project_id = r.project_id AND m.user_id = r.user_id)"
                + " INSERT INTO " + t + " (project_id, user_id, " + METRIC_COLUMNS + ", first_seen, last_seen, updated_at)"
                + " SELECT r.*, now() FROM r WHERE r.trace_count <> 0 OR r.observation_count <> 0"
                + " ON CONFLICT (project_id, user_id) DO UPDATE SET " + METRIC_UPDATES
                + ", first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen";
    }

    /** For user_metrics_hourly and user_metrics_daily. */
    public static String bucketSql(String schema, String table) {
        String t = quoteIdent(schema) + "." + table;
        return "WITH r (project_id, user_id, bucket_start, " + METRIC_COLUMNS + ") AS ("
                + " VALUES (?::text, ?::text, ?::timestamptz, " + METRIC_PARAMS + ")),"
                + " gone AS (DELETE FROM " + t + " m USING r WHERE r.trace_count = 0 AND r.observation_count = 0"
                + " AND m.project_id = r.project_id AND m.user_id = r.user_id AND m.bucket_start = r.bucket_start)"
                + " INSERT INTO " + t + " (project_id, user_id, bucket_start, " + METRIC_COLUMNS + ", updated_at)"
                + " SELECT r.*, now() FROM r WHERE r.trace_count <> 0 OR r.observation_count <> 0"
                + " ON CONFLICT (project_id, user_id, bucket_start) DO UPDATE SET " + METRIC_UPDATES;
    }

    public static String rejectedSql(String schema) {
        return "INSERT INTO " + quoteIdent(schema) + ".rejected_events"
                + " (event_id, project_id, action, reason, detail, raw, kafka_topic, kafka_partition, kafka_offset)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (kafka_topic, kafka_partition, kafka_offset, reason) DO NOTHING";
    }

    /** Binds a user_metrics row. */
    public static final class UserMetricsBinder implements JdbcStatementBuilder<MetricsRow> {
        @Override
        public void accept(PreparedStatement ps, MetricsRow r) throws SQLException {
            ps.setString(1, r.projectId);
            ps.setString(2, r.userId);
            int i = bindMetrics(ps, 3, r.metrics);
            ps.setObject(i++, toTimestamp(r.firstSeenNanos));
            ps.setObject(i, toTimestamp(r.lastSeenNanos));
        }
    }

    /** Binds a user_metrics_hourly / _daily row. */
    public static final class BucketBinder implements JdbcStatementBuilder<MetricsRow> {
        @Override
        public void accept(PreparedStatement ps, MetricsRow r) throws SQLException {
            ps.setString(1, r.projectId);
            ps.setString(2, r.userId);
            ps.setObject(3, OffsetDateTime.ofInstant(Instant.ofEpochMilli(r.bucketStartMillis), ZoneOffset.UTC));
            bindMetrics(ps, 4, r.metrics);
        }
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
        ps.setLong(i++, sumKeysContaining(m.usage, "input"));
        ps.setLong(i++, sumKeysContaining(m.usage, "output"));
        ps.setLong(i++, m.totalTokens);
        ps.setBigDecimal(i++, sumCostKeysContaining(m.cost, "input"));
        ps.setBigDecimal(i++, sumCostKeysContaining(m.cost, "output"));
        ps.setBigDecimal(i++, m.totalCost);
        ps.setString(i++, toJson(m.usage));
        ps.setString(i++, toJson(m.cost));
        return i;
    }

    /** Langfuse's rule: input = keys containing "input" (case-insensitive), same for output. */
    static long sumKeysContaining(Map<String, Long> usage, String part) {
        long sum = 0;
        for (Map.Entry<String, Long> e : usage.entrySet()) {
            if (e.getKey().toLowerCase(Locale.ROOT).contains(part)) {
                sum = Metrics.plus(sum, e.getValue());
            }
        }
        return sum;
    }

    static BigDecimal sumCostKeysContaining(Map<String, BigDecimal> cost, String part) {
        BigDecimal sum = BigDecimal.ZERO;
        for (Map.Entry<String, BigDecimal> e : cost.entrySet()) {
            if (e.getKey().toLowerCase(Locale.ROOT).contains(part)) {
                sum = sum.add(e.getValue());
            }
        }
        return sum;
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    static String toJson(Map<String, ?> map) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(map));
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
