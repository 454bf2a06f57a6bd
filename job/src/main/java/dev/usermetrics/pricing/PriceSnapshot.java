package dev.usermetrics.pricing;

import dev.usermetrics.records.Decimals;
import dev.usermetrics.sql.Fingerprint;
import dev.usermetrics.sql.SnapshotPoll;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
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
public class PriceSnapshot implements SnapshotPoll.Snapshot {
    private static final Logger LOG = LoggerFactory.getLogger(PriceSnapshot.class);

    public String fingerprint;
    /** Sorted by id. */
    public List<PriceDefinition> definitions = new ArrayList<>();

    public PriceSnapshot() {}

    @Override
    public String fingerprint() {
        return fingerprint;
    }

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
        Fingerprint f = new Fingerprint();
        for (PriceDefinition d : sorted) {
            f.field(d.id).field(d.projectId).field(d.modelName).field(d.matchPattern)
                    .field(d.startNanos == null ? null : d.startNanos.toString()).field(d.unit);
            for (Map.Entry<String, BigDecimal> p : new TreeMap<>(d.prices).entrySet()) {
                f.field(p.getKey()).field(Decimals.text(p.getValue()));
            }
            f.end();
        }
        return f.hex();
    }

    @Override
    public String toString() {
        return definitions.size() + " model price definitions (" + fingerprint + ")";
    }
}
