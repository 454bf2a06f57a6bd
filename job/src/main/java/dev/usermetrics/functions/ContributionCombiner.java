package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;

/**
 * Local pre-aggregation before the shuffle to the user stage: sums the contributions of the same
 * (project, user, environment, hour) coming out of one trace-stage subtask. A busy user's many traces then
 * cost the user stage one state update per flush instead of one per event. Sums are exact
 * (longs, BigDecimal), so the result is the same as applying them one by one.
 *
 * <p>Never drops a key, even when its sum is zero (see below).
 */
public class ContributionCombiner extends FlushingBuffer<ContributionCombiner.Key, Contribution> {

    public record Key(String projectId, String userId, String environment, long hourStartMillis) {}

    public ContributionCombiner(int maxEntries, long flushIntervalMillis) {
        super(maxEntries, flushIntervalMillis);
    }

    @Override
    protected Key key(Contribution c) {
        return new Key(c.projectId, c.userId, c.environment, c.hourStartMillis);
    }

    @Override
    protected Contribution fold(Contribution buffered, Contribution incoming) {
        buffered.add(incoming);
        return buffered;
    }

    // A sum that nets to zero is still emitted, on purpose: after a restart the replay must touch
    // every row the failed attempt may have written after the checkpoint, or a row written from a
    // transient state (e.g. a trace briefly counted for its first user) would never be corrected.
}
