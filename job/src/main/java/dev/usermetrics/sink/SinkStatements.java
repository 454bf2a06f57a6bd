package dev.usermetrics.sink;

import dev.usermetrics.records.Decimals;
import dev.usermetrics.records.RejectedEvent;
import dev.usermetrics.sql.SqlIdentifiers;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

/**
 * The rejected-events statement, and the text of the metric tables' jsonb columns (decimals in
 * their canonical form, {@link Decimals}). The metric tables' statements are in
 * {@link TableLayout}: absolute values with INSERT … ON CONFLICT DO UPDATE SET col = EXCLUDED.col
 * (never increments), so replaying after a restart converges to the same rows; a row that counts
 * nothing any more ({@link dev.usermetrics.records.MetricsRow#isDelete()}) is deleted.
 */
public final class SinkStatements {

    private SinkStatements() {}

    public static String rejectedSql(String schema) {
        return "INSERT INTO " + SqlIdentifiers.quote(schema) + ".rejected_events"
                + " (event_id, project_id, action, reason, detail, raw, kafka_topic, kafka_partition, kafka_offset)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (kafka_topic, kafka_partition, kafka_offset, reason, (md5(coalesce(event_id, '')))) DO NOTHING";
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

    static String toJson(Map<String, ?> map) {
        // A flat object of numbers, keys sorted: written by hand (ObjectMapper + TreeMap was a
        // tenth of the writer's time). jsonb keeps a number's text, hence the canonical form (Decimals).
        List<String> keys = new ArrayList<>(map.keySet());
        Collections.sort(keys);
        StringBuilder b = new StringBuilder(16 + 24 * keys.size()).append('{');
        for (String k : keys) {
            if (b.length() > 1) {
                b.append(',');
            }
            appendJsonString(b, k);
            Object v = map.get(k);
            b.append(':').append(v instanceof BigDecimal d ? Decimals.text(d) : String.valueOf(v));
        }
        return b.append('}').toString();
    }

    private static void appendJsonString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }

}
