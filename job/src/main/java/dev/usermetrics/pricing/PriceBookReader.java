package dev.usermetrics.pricing;

import dev.usermetrics.sql.SqlIdentifiers;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the model price definitions of a sink schema (tables {@code models} and
 * {@code model_prices}, schemas/postgres/V3) into a {@link PriceSnapshot} (or directly a
 * {@link PriceBook}, skipping definitions whose pattern is not a valid regular expression).
 */
public final class PriceBookReader {
    private PriceBookReader() {}

    public static PriceBook read(Connection c, String schema) throws SQLException {
        return readSnapshot(c, schema).book();
    }

    /** Every definition of {@code schema} with its prices (invalid patterns included; see PriceSnapshot#book). */
    public static PriceSnapshot readSnapshot(Connection c, String schema) throws SQLException {
        String q = SqlIdentifiers.quote(schema);
        Map<String, Map<String, BigDecimal>> prices = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT model_id, usage_type, price FROM " + q + ".model_prices")) {
            while (rs.next()) {
                prices.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getBigDecimal(3));
            }
        }
        List<PriceDefinition> definitions = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, project_id, model_name, match_pattern, start_date, unit FROM "
                        + q + ".models ORDER BY id")) {
            while (rs.next()) {
                String id = rs.getString("id");
                Timestamp start = rs.getTimestamp("start_date");
                definitions.add(new PriceDefinition(id, rs.getString("project_id"), rs.getString("model_name"),
                        rs.getString("match_pattern"), start == null ? null : nanos(start), rs.getString("unit"),
                        prices.getOrDefault(id, Map.of())));
            }
        }
        return PriceSnapshot.of(definitions);
    }

    private static long nanos(Timestamp t) {
        return Math.addExact(Math.multiplyExact(Math.floorDiv(t.getTime(), 1000L), 1_000_000_000L), t.getNanos());
    }
}
