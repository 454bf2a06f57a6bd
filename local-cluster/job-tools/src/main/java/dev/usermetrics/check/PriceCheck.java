package dev.usermetrics.check;

import dev.usermetrics.pricing.CostCalculator;
import dev.usermetrics.pricing.ModelPrice;
import dev.usermetrics.pricing.PriceBook;
import dev.usermetrics.pricing.PriceBookReader;
import dev.usermetrics.records.Decimals;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Explains which model price definition of a schema prices a model, and what a given usage
 * costs with it (local-cluster/bin/price-check): an operator checks a new definition, or finds
 * out why a model is not priced, before the job uses the prices.
 *
 * <pre>PriceCheck URL USER SCHEMA MODEL PROJECT AT [USAGE]   USAGE: key=units,key=units</pre>
 * The password comes from the environment variable POSTGRES_PASSWORD (not the process list).
 * Exit 0 when a definition matches, 1 when none does, 2 on bad arguments.
 */
public final class PriceCheck {
    private PriceCheck() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6 || args.length > 7) {
            System.err.println("usage: PriceCheck URL USER SCHEMA MODEL PROJECT AT [key=units,...]  (password: $POSTGRES_PASSWORD)");
            System.exit(2);
        }
        Instant at;
        Map<String, Long> usage;
        try {
            at = parseInstant(args[5]);
            usage = args.length == 7 ? parseUsage(args[6]) : Map.of();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        PriceBook book;
        try (Connection c = DriverManager.getConnection(args[0], args[1], System.getenv().getOrDefault("POSTGRES_PASSWORD", ""))) {
            book = PriceBookReader.read(c, args[2]);
        }
        long nanos = at.getEpochSecond() * 1_000_000_000L + at.getNano();
        Optional<ModelPrice> match = book.match(args[4], args[3], nanos);
        System.out.print(explain(book, args[4], args[3], at, usage, match));
        System.exit(match.isPresent() ? 0 : 1);
    }

    static Instant parseInstant(String s) {
        try {
            return Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("the time must be an ISO-8601 instant like 2026-11-01T00:00:00Z; got \"" + s + "\"");
        }
    }

    /** "input=1000,output=333" → {input=1000, output=333}, in the given order. */
    static Map<String, Long> parseUsage(String s) {
        Map<String, Long> usage = new LinkedHashMap<>();
        for (String part : s.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException("usage must be key=units,key=units; got \"" + part + "\"");
            }
            try {
                usage.put(kv[0].trim(), Long.parseLong(kv[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("units of " + kv[0].trim() + " must be a whole number; got \"" + kv[1] + "\"");
            }
        }
        return usage;
    }

    static String explain(PriceBook book, String project, String model, Instant at, Map<String, Long> usage,
            Optional<ModelPrice> match) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("model \"%s\" of project \"%s\" at %s (%d definitions):%n", model, project, at, book.size()));
        if (match.isEmpty()) {
            out.append("  no definition matches: no cost is derived for it. Add one (docs/tables.md, models and model_prices).\n");
            return out.toString();
        }
        ModelPrice p = match.get();
        out.append(String.format("  matched %s (id %s, %s, valid %s), pattern %s%n", p.modelName(), p.id(),
                p.projectId() == null ? "global" : "project " + p.projectId(),
                p.startNanos() == null ? "always" : "from " + Instant.ofEpochSecond(0, p.startNanos()),
                p.matchPattern().pattern()));
        out.append("  prices per unit: ").append(new TreeMap<>(p.prices())).append('\n');
        if (!usage.isEmpty()) {
            Map<String, BigDecimal> cost = CostCalculator.costDetails(usage, p);
            out.append("  usage ").append(usage).append(" costs ")
                    .append(cost.isEmpty() ? "nothing (no usage key has a price)" : new TreeMap<>(plain(cost)).toString())
                    .append('\n');
        }
        return out.toString();
    }

    private static Map<String, String> plain(Map<String, BigDecimal> cost) {
        Map<String, String> m = new LinkedHashMap<>();
        cost.forEach((k, v) -> m.put(k, Decimals.text(v)));
        return m;
    }
}
