package dev.usermetrics.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usermetrics.it.RowKeys.BucketKey;
import dev.usermetrics.it.RowKeys.EnvKey;
import dev.usermetrics.it.RowKeys.ModelKey;
import dev.usermetrics.it.RowKeys.ScoreKey;
import dev.usermetrics.it.RowKeys.UserKey;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** Reads the sink tables back as comparable values (decimals normalised, JSON parsed). */
final class SinkTables {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SinkTables() {}

    /** A row as compared: every column but updated_at. */
    record Values(long traces, long observations, long scores, long inputTokens, long outputTokens, long totalTokens,
            BigDecimal inputCost, BigDecimal outputCost, BigDecimal totalCost,
            Map<String, BigDecimal> usage, Map<String, BigDecimal> cost, Instant firstSeen, Instant lastSeen, Long sessions) {}

    static Values expected(ReferenceModel.Row r, boolean withSeen) {
        Map<String, BigDecimal> usage = new TreeMap<>();
        // Per-key sums over the observations that carry the key: a key whose values are all 0 stays.
        r.usage.forEach((k, v) -> usage.put(k, norm(BigDecimal.valueOf(v))));
        Map<String, BigDecimal> cost = new TreeMap<>();
        r.cost.forEach((k, v) -> cost.put(k, norm(v)));
        return new Values(r.traces, r.observations, r.scores, r.tokensContaining("input"), r.tokensContaining("output"),
                r.totalTokens, norm(r.costContaining("input")), norm(r.costContaining("output")), norm(r.totalCost),
                usage, cost, withSeen ? micros(r.firstSeen) : null, withSeen ? micros(r.lastSeen) : null,
                withSeen ? (long) r.sessions.size() : null);
    }

    static Map<UserKey, Values> totals(String schema) throws SQLException {
        Map<UserKey, Values> out = new HashMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\".user_metrics")) {
            while (rs.next()) {
                out.put(new UserKey(rs.getString("project_id"), rs.getString("user_id")), values(rs, true));
            }
        }
        return out;
    }

    static Map<EnvKey, Values> envTotals(String schema) throws SQLException {
        Map<EnvKey, Values> out = new HashMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\".user_metrics_env")) {
            while (rs.next()) {
                out.put(new EnvKey(rs.getString("project_id"), rs.getString("user_id"), rs.getString("environment")),
                        values(rs, true));
            }
        }
        return out;
    }

    static Map<BucketKey, Values> buckets(String schema, String table) throws SQLException {
        Map<BucketKey, Values> out = new HashMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\"." + table)) {
            while (rs.next()) {
                Instant start = rs.getObject("bucket_start", OffsetDateTime.class).toInstant();
                out.put(new BucketKey(rs.getString("project_id"), rs.getString("user_id"),
                        rs.getString("environment"), start), values(rs, false));
            }
        }
        return out;
    }

    /** A user_model_metrics_daily row as compared. */
    record ModelValues(long observations, long inputTokens, long outputTokens, long totalTokens,
            BigDecimal inputCost, BigDecimal outputCost, BigDecimal totalCost, long traces) {}

    static Map<ModelKey, ModelValues> modelDaily(String schema) throws SQLException {
        Map<ModelKey, ModelValues> out = new HashMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\".user_model_metrics_daily")) {
            while (rs.next()) {
                out.put(new ModelKey(rs.getString("project_id"), rs.getString("user_id"), rs.getString("environment"),
                                rs.getObject("bucket_start", OffsetDateTime.class).toInstant(), rs.getString("model")),
                        new ModelValues(rs.getLong("observation_count"), rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                                rs.getLong("total_tokens"), norm(rs.getBigDecimal("input_cost")),
                                norm(rs.getBigDecimal("output_cost")), norm(rs.getBigDecimal("total_cost")), rs.getLong("trace_count")));
            }
        }
        return out;
    }

    static Map<ModelKey, ModelValues> expectedModelDaily(ReferenceModel truth) {
        Map<ModelKey, ModelValues> out = new HashMap<>();
        truth.modelDaily.forEach((k, m) -> out.put(k, new ModelValues(m.observations, m.inputTokens, m.outputTokens,
                m.totalTokens, norm(m.inputCost), norm(m.outputCost), norm(m.totalCost), m.traces.size())));
        return out;
    }

    /** A user_scores row as compared (value_avg is checked against value_sum / score_count). */
    record ScoreValues(long count, BigDecimal sum, Map<String, BigDecimal> labels, Instant last) {}

    static Map<ScoreKey, ScoreValues> scores(String schema) throws SQLException {
        Map<ScoreKey, ScoreValues> out = new HashMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\".user_scores")) {
            while (rs.next()) {
                BigDecimal sum = rs.getBigDecimal("value_sum");
                BigDecimal avg = rs.getBigDecimal("value_avg");
                long count = rs.getLong("score_count");
                if (sum != null) {
                    // Postgres numeric division: at least 16 significant digits.
                    BigDecimal exact = sum.divide(BigDecimal.valueOf(count), java.math.MathContext.DECIMAL128);
                    if (exact.subtract(avg).abs().compareTo(new BigDecimal("1e-15").max(exact.abs().movePointLeft(15))) > 0) {
                        throw new AssertionError("value_avg " + avg + " is not value_sum / score_count = " + exact);
                    }
                }
                String labels = rs.getString("value_counts");
                out.put(new ScoreKey(rs.getString("project_id"), rs.getString("user_id"), rs.getString("name"),
                                rs.getString("data_type")),
                        new ScoreValues(count, sum == null ? null : norm(sum), labels == null ? null : jsonMap(labels),
                                instant(rs, "last_score_at")));
            }
        }
        return out;
    }

    static Map<ScoreKey, ScoreValues> expectedScores(ReferenceModel truth) {
        Map<ScoreKey, ScoreValues> out = new HashMap<>();
        truth.scores.forEach((k, r) -> {
            Map<String, BigDecimal> labels = null;
            if (!k.type().equals("NUMERIC")) {
                labels = new TreeMap<>();
                for (Map.Entry<String, Long> e : r.labels.entrySet()) {
                    labels.put(e.getKey(), BigDecimal.valueOf(e.getValue()));
                }
            }
            out.put(k, new ScoreValues(r.count, k.type().equals("CATEGORICAL") ? null : norm(r.sum), labels, micros(r.last)));
        });
        return out;
    }

    /** A user_traces row as compared (counts: observations, scores, input, output and total tokens; costs: input, output, total). */
    record TraceValues(String user, String name, Instant time, String env, String session, java.util.List<Long> counts,
            java.util.List<BigDecimal> costs) {}

    static Map<RowKeys.TraceKey, TraceValues> traces(String schema) throws SQLException {
        Map<RowKeys.TraceKey, TraceValues> out = new HashMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\".user_traces")) {
            while (rs.next()) {
                out.put(new RowKeys.TraceKey(rs.getString("project_id"), rs.getString("trace_id")),
                        new TraceValues(rs.getString("user_id"), rs.getString("name"), instant(rs, "trace_time"), rs.getString("environment"),
                                rs.getString("session_id"), java.util.List.of(rs.getLong("observation_count"), rs.getLong("score_count"),
                                        rs.getLong("input_tokens"), rs.getLong("output_tokens"), rs.getLong("total_tokens")),
                                java.util.List.of(norm(rs.getBigDecimal("input_cost")), norm(rs.getBigDecimal("output_cost")),
                                        norm(rs.getBigDecimal("total_cost")))));
            }
        }
        return out;
    }

    static Map<RowKeys.TraceKey, TraceValues> expectedTraces(ReferenceModel truth) {
        Map<RowKeys.TraceKey, TraceValues> out = new HashMap<>();
        truth.traces.forEach((k, t) -> {
            ReferenceModel.Row r = t.counts();
            out.put(k, new TraceValues(t.user(), t.name(), micros(t.time()), t.env(), t.session(),
                    java.util.List.of(r.observations, r.scores, r.tokensContaining("input"), r.tokensContaining("output"), r.totalTokens),
                    java.util.List.of(norm(r.costContaining("input")), norm(r.costContaining("output")), norm(r.totalCost))));
        });
        return out;
    }

    static Map<RowKeys.TraceScoreKey, ReferenceModel.TraceScoreRow> traceScores(String schema) throws SQLException {
        Map<RowKeys.TraceScoreKey, ReferenceModel.TraceScoreRow> out = new HashMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\".user_trace_scores")) {
            while (rs.next()) {
                BigDecimal value = rs.getBigDecimal("value");
                out.put(new RowKeys.TraceScoreKey(rs.getString("project_id"), rs.getString("trace_id"), rs.getString("score_id")),
                        new ReferenceModel.TraceScoreRow(rs.getString("user_id"), rs.getString("name"), rs.getString("data_type"),
                                value == null ? null : norm(value), rs.getString("string_value"), instant(rs, "score_time"),
                                rs.getString("environment")));
            }
        }
        return out;
    }

    static Map<RowKeys.TraceScoreKey, ReferenceModel.TraceScoreRow> expectedTraceScores(ReferenceModel truth) {
        Map<RowKeys.TraceScoreKey, ReferenceModel.TraceScoreRow> out = new HashMap<>();
        truth.traceScores.forEach((k, r) -> out.put(k, new ReferenceModel.TraceScoreRow(r.user(), r.name(), r.type(),
                r.value() == null ? null : norm(r.value()), r.stringValue(), micros(r.time()), r.env())));
        return out;
    }

    /** project_users as "project/environment" → users ("*" = all environments). */
    static Map<String, Long> projectUsers(String schema) throws SQLException {
        Map<String, Long> out = new TreeMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT project_id, environment, user_count FROM \"" + schema + "\".project_users")) {
            while (rs.next()) {
                String env = rs.getString(2);
                out.put(rs.getString(1) + "/" + (env.isEmpty() ? "*" : env), rs.getLong(3));
            }
        }
        return out;
    }

    /** The same from the batch truth: every user with a row counts once. */
    static Map<String, Long> expectedProjectUsers(ReferenceModel truth) {
        Map<String, Long> out = new TreeMap<>();
        truth.totals.keySet().forEach(k -> out.merge(k.project() + "/*", 1L, Long::sum));
        truth.envTotals.keySet().forEach(k -> out.merge(k.project() + "/" + k.env(), 1L, Long::sum));
        return out;
    }

    static Map<String, Integer> rejectionsByReason(String schema) throws SQLException {
        Map<String, Integer> out = new TreeMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT reason, count(*) FROM \"" + schema + "\".rejected_events GROUP BY reason")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getInt(2));
            }
        }
        return out;
    }

    private static Values values(ResultSet rs, boolean withSeen) throws SQLException {
        return new Values(rs.getLong("trace_count"), rs.getLong("observation_count"), rs.getLong("score_count"), rs.getLong("input_tokens"),
                rs.getLong("output_tokens"), rs.getLong("total_tokens"), norm(rs.getBigDecimal("input_cost")),
                norm(rs.getBigDecimal("output_cost")), norm(rs.getBigDecimal("total_cost")),
                jsonMap(rs.getString("usage_details")), jsonMap(rs.getString("cost_details")),
                withSeen ? instant(rs, "first_seen") : null, withSeen ? instant(rs, "last_seen") : null,
                withSeen ? rs.getLong("session_count") : null);
    }

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static Map<String, BigDecimal> jsonMap(String json) throws SQLException {
        try {
            Map<String, BigDecimal> out = new TreeMap<>();
            JsonNode n = JSON.readTree(json);
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), norm(new BigDecimal(e.getValue().asText())));
            }
            return out;
        } catch (Exception e) {
            throw new SQLException("bad json " + json, e);
        }
    }

    static BigDecimal norm(BigDecimal d) {
        return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
    }

    /** Postgres keeps microseconds. */
    static Instant micros(Instant t) {
        return t == null ? null : t.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    static <K> Map<K, Values> expectedTotals(Map<K, ReferenceModel.Row> rows, boolean withSeen) {
        Map<K, Values> out = new HashMap<>();
        rows.forEach((k, r) -> {
            if (r.traces != 0 || r.observations != 0 || r.scores != 0) {
                out.put(k, expected(r, withSeen));
            }
        });
        return out;
    }

    /**
     * Rows of a query as first column → the other columns joined by " | " (decimals without
     * trailing zeros), for comparing whole tables with values written out in a test.
     */
    static Map<String, String> rows(String sql) throws SQLException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                java.util.List<String> v = new java.util.ArrayList<>();
                for (int i = 2; i <= n; i++) {
                    Object o = rs.getObject(i);
                    v.add(o instanceof BigDecimal d ? norm(d).toPlainString() : String.valueOf(o));
                }
                out.put(rs.getString(1), String.join(" | ", v));
            }
        }
        return out;
    }

    /**
     * A global model of the schema's price tables (migrated first): names matching exactly
     * {@code modelName}, priced per input and output token.
     */
    static void priceModel(String schema, String id, String modelName, String inputPrice, String outputPrice) throws SQLException {
        dev.usermetrics.sink.SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", schema);
        try (Connection c = Services.connect();
                java.sql.PreparedStatement model = c.prepareStatement(
                        "INSERT INTO " + schema + ".models (id, model_name, match_pattern) VALUES (?, ?, ?)");
                java.sql.PreparedStatement price = c.prepareStatement(
                        "INSERT INTO " + schema + ".model_prices VALUES (?, 'input', ?::numeric), (?, 'output', ?::numeric)")) {
            model.setString(1, id);
            model.setString(2, modelName);
            model.setString(3, "^" + java.util.regex.Pattern.quote(modelName) + "$");
            model.executeUpdate();
            price.setString(1, id);
            price.setString(2, inputPrice);
            price.setString(3, id);
            price.setString(4, outputPrice);
            price.executeUpdate();
        }
    }
}
