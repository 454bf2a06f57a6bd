package dev.usermetrics.records;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/** One user's scores of one (name, data type): a row of user_scores. */
public class ScoreTotals {
    public long count;
    public BigDecimal valueSum = BigDecimal.ZERO;
    public Map<String, Long> labels = new HashMap<>();
    /** Latest score time, epoch nanos; null when count is 0. */
    public Long lastScoreAtNanos;
    /** Latest time among settled scores (never retracted; kept instead of their score-times entries). */
    public Long settledLastNanos;

    public ScoreTotals() {}

    /**
     * True when the row counts nothing (no score) and is deleted (MetricsRow.isDelete); the state
     * entry may stay for its settled time.
     */
    public boolean isEmpty() {
        return count == 0;
    }

    @Override
    public String toString() {
        return "ScoreTotals{count=" + count + ", sum=" + valueSum + ", labels=" + labels + ", last=" + lastScoreAtNanos + "}";
    }
}
