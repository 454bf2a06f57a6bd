package dev.usermetrics.functions;

import dev.usermetrics.records.Counts;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.pricing.CostCalculator;
import dev.usermetrics.pricing.ModelPrice;
import dev.usermetrics.pricing.PriceBook;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The merged state of one observation (state of {@link TraceResolver}, one MapState entry per
 * observation id). Each field remembers the version (event timestamp, event id) it came from,
 * so the merge gives the same result in any arrival order.
 */
public class ObservationState implements TraceMember {
    /** Ids of the latest events applied to this observation (EventIds): a duplicate changes nothing. */
    public List<String> eventIds = new ArrayList<>();
    /** body.startTime of the earliest-ordered event that carried one ("keeps its first value"). */
    public Long startTimeNanos;
    public long startVerTs;
    public String startVerId;
    /** The valid userId / environment / model of this observation's latest-ordered event that carried one. */
    public Lww user = new Lww();
    public Lww environment = new Lww();
    public Lww model = new Lww();
    /** Earliest envelope timestamp of the observation's events: its time when no startTime. */
    public long minEventTsNanos = Long.MAX_VALUE;
    /** usageDetails of the latest-ordered event that carried a non-empty one (replaced whole). */
    public Map<String, Long> usage;
    public long usageVerTs;
    public String usageVerId;
    /** costDetails, same rule as usage. */
    public Map<String, BigDecimal> cost;
    public long costVerTs;
    public String costVerId;
    /**
     * The cost computed from the model price definitions (per usage key plus "total") when the
     * observation has usage but no provided cost and a definition matches; else null. Kept, not
     * recomputed on read, so that what was emitted can be retracted exactly after the prices
     * change ({@link #price} says when it changed).
     */
    public Map<String, BigDecimal> calculatedCost;
    /** It has usage, no provided cost and a model, but no definition matches the model. */
    public boolean unpriced;

    public ObservationState() {}

    /** The time that places the observation in a bucket. */
    public long timeNanos() {
        return startTimeNanos != null ? startTimeNanos : minEventTsNanos;
    }

    @Override
    public boolean seen(String eventId) {
        return eventIds.contains(eventId);
    }

    /** Merges one event of this observation (commutative, idempotent). */
    public void apply(IngestionEvent e) {
        EventIds.remember(eventIds, e.eventId);
        long ts = e.timestampNanos;
        String id = e.eventId;
        minEventTsNanos = Math.min(minEventTsNanos, ts);
        user.offer(e.userId, ts, id);
        environment.offer(e.environment, ts, id);
        model.offer(e.model, ts, id);
        if (e.bodyTimeNanos != null
                && (startVerId == null || Versions.compare(ts, id, startVerTs, startVerId) < 0)) {
            startTimeNanos = e.bodyTimeNanos;
            startVerTs = ts;
            startVerId = id;
        }
        if (e.usage != null && (usageVerId == null || Versions.compare(ts, id, usageVerTs, usageVerId) > 0)) {
            usage = new HashMap<>(e.usage);
            usageVerTs = ts;
            usageVerId = id;
        }
        if (e.cost != null && (costVerId == null || Versions.compare(ts, id, costVerTs, costVerId) > 0)) {
            cost = new HashMap<>(e.cost);
            costVerTs = ts;
            costVerId = id;
        }
    }

    /**
     * Prices the observation with {@code book} (Langfuse's rule: provided cost wins; else usage ×
     * the prices of the definition that matches its model, project and start time). Returns true
     * when its calculated cost or its unpriced flag changed.
     */
    public boolean price(PriceBook book, String projectId) {
        Map<String, BigDecimal> calculated = null;
        boolean noMatch = false;
        if (cost == null && usage != null && !usage.isEmpty() && model.value != null) {
            Optional<ModelPrice> p = book.match(projectId, model.value, timeNanos());
            if (p.isPresent()) {
                Map<String, BigDecimal> c = CostCalculator.costDetails(usage, p.get());
                calculated = c.isEmpty() ? null : c;
            } else {
                noMatch = true;
            }
        }
        boolean changed = noMatch != unpriced || !sameValues(calculated, calculatedCost);
        calculatedCost = calculated;
        unpriced = noMatch;
        return changed;
    }

    /** Equal keys and equal decimal values (0.50 = 0.5: a re-typed price changes nothing). */
    private static boolean sameValues(Map<String, BigDecimal> a, Map<String, BigDecimal> b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<String, BigDecimal> e : a.entrySet()) {
            BigDecimal other = b.get(e.getKey());
            if (other == null || other.compareTo(e.getValue()) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * What this observation adds to its user's metrics: one observation plus its usage and cost
     * (provided, else calculated).
     */
    public Metrics contribution() {
        Metrics m = new Metrics();
        m.observations = 1;
        if (usage != null) {
            m.usage.putAll(usage);
            usage.keySet().forEach(k -> m.usageKeyCount.put(k, 1L));
            Long total = usage.get("total");
            m.totalTokens = total != null ? total : usage.values().stream().mapToLong(Long::longValue).reduce(0L, Counts::plus);
        }
        if (cost != null) {
            m.cost.putAll(cost);
            cost.keySet().forEach(k -> m.costKeyCount.put(k, 1L));
            BigDecimal total = cost.get("total");
            m.totalCost = total != null ? total : cost.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        } else if (calculatedCost != null) {
            m.cost.putAll(calculatedCost);
            calculatedCost.keySet().forEach(k -> m.costKeyCount.put(k, 1L));
            m.totalCost = calculatedCost.get(CostCalculator.TOTAL);
            m.calculatedTotalCost = m.totalCost;
        }
        return m;
    }

    @Override
    public void addTo(DeltaBuilder delta, String user, String env, int sign) {
        delta.slot(user, env, timeNanos()).addObservation(model.value, contribution(), unpriced, sign);
    }

    @Override
    public ObservationState copy() {
        ObservationState c = new ObservationState();
        c.eventIds = new ArrayList<>(eventIds);
        c.startTimeNanos = startTimeNanos;
        c.startVerTs = startVerTs;
        c.startVerId = startVerId;
        c.user = user.copy();
        c.environment = environment.copy();
        c.model = model.copy();
        c.minEventTsNanos = minEventTsNanos;
        c.usage = usage;
        c.usageVerTs = usageVerTs;
        c.usageVerId = usageVerId;
        c.cost = cost;
        c.costVerTs = costVerTs;
        c.costVerId = costVerId;
        c.calculatedCost = calculatedCost;
        c.unpriced = unpriced;
        return c;
    }
}
