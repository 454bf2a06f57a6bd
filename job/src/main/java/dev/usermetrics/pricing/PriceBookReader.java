package dev.usermetrics.pricing;

import dev.usermetrics.sink.SinkStatements;
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
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the model price definitions of a sink schema (tables {@code models} and
 * {@code model_prices}, schemas/postgres/V3) into a {@link PriceBook}. A definition whose pattern
 * is not a valid regular expression is skipped with a warning (it could never match), so one bad
 * row does not stop the others from pricing.
 */
public final class PriceBookReader {
    private static final Logger LOG = LoggerFactory.getLogger(PriceBookReader.class);

    private PriceBookReader() {}

    public static PriceBook read(Connection c, String schema) throws SQLException {
        String q = SinkStatements.quoteIdent(schema);
        Map<String, Map<String, BigDecimal>> prices = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT model_id, usage_type, price FROM " + q + ".model_prices")) {
            while (rs.next()) {
                prices.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getBigDecimal(3));
            }
        }
        List<ModelPrice> definitions = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, project_id, model_name, match_pattern, start_date, unit FROM "
                        + q + ".models ORDER BY id")) {
            while (rs.next()) {
                String id = rs.getString("id");
                Timestamp start = rs.getTimestamp("start_date");
                try {
                    definitions.add(new ModelPrice(id, rs.getString("project_id"), rs.getString("model_name"),
                            ModelPrice.pattern(rs.getString("match_pattern")), start == null ? null : nanos(start),
                            rs.getString("unit"), prices.getOrDefault(id, Map.of())));
                } catch (PatternSyntaxException e) {
                    LOG.warn("Model price definition {} ({}) skipped: its match_pattern is not a valid regular expression: {}",
                            id, rs.getString("model_name"), e.getDescription());
                }
            }
        }
        return new PriceBook(definitions);
    }

    private static long nanos(Timestamp t) {
        return Math.addExact(Math.multiplyExact(Math.floorDiv(t.getTime(), 1000L), 1_000_000_000L), t.getNanos());
    }
}
