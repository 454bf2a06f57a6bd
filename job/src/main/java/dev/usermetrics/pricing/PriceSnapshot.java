package dev.usermetrics.pricing;

import dev.usermetrics.records.Decimals;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model price definition at one moment, with a fingerprint of their content: what the
 * price poller broadcasts and what the trace stage keeps in its broadcast state. Two snapshots
 * with the same fingerprint price every observation the same way, so re-pricing is skipped
 * (decimals are compared by value: 0.50 and 0.5 are the same price).
 */
public class PriceSnapshot {
    private static final Logger LOG = LoggerFactory.getLogger(PriceSnapshot.class);

    public String fingerprint;
    /** Sorted by id. */
    public List<PriceDefinition> definitions = new ArrayList<>();

    public PriceSnapshot() {}

    public static PriceSnapshot of(List<PriceDefinition> definitions) {
        PriceSnapshot s = new PriceSnapshot();
        s.definitions = new ArrayList<>(definitions);
        s.definitions.sort(Comparator.comparing(d -> d.id));
        s.fingerprint = fingerprint(s.definitions);
        return s;
    }

    /** No definitions: nothing is priced. */
    public static PriceSnapshot empty() {
        return of(List.of());
    }

    /**
     * The definitions as a {@link PriceBook}. A definition whose pattern is not a valid regular
     * expression is skipped with a warning: it could never match, and it must not stop the
     * others from pricing.
     */
    public PriceBook book() {
        List<ModelPrice> prices = new ArrayList<>();
        for (PriceDefinition d : definitions) {
            try {
                prices.add(new ModelPrice(d.id, d.projectId, d.modelName, ModelPrice.pattern(d.matchPattern),
                        d.startNanos, d.unit, d.prices));
            } catch (PatternSyntaxException e) {
                LOG.warn("Model price definition {} skipped: its match_pattern is not a valid regular expression: {}",
                        d, e.getDescription());
            }
        }
        return new PriceBook(prices);
    }

    private static String fingerprint(List<PriceDefinition> sorted) {
        StringBuilder b = new StringBuilder();
        for (PriceDefinition d : sorted) {
            b.append(field(d.id)).append(field(d.projectId)).append(field(d.modelName)).append(field(d.matchPattern))
                    .append(field(d.startNanos == null ? null : d.startNanos.toString())).append(field(d.unit));
            for (Map.Entry<String, BigDecimal> p : new TreeMap<>(d.prices).entrySet()) {
                b.append(field(p.getKey())).append(field(Decimals.text(p.getValue())));
            }
            b.append('\n');
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Length-prefixed, so no content can imitate a separator. */
    private static String field(String s) {
        return s == null ? "-;" : s.length() + ":" + s + ";";
    }

    @Override
    public String toString() {
        return definitions.size() + " model price definitions (" + fingerprint + ")";
    }
}
