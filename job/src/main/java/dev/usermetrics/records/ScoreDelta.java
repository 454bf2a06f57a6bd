package dev.usermetrics.records;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * A signed change of one user's scores of one (name, data type): counts, value sum, label
 * counts and the exact score times (for last_score_at). Part of a {@link Contribution}.
 */
public class ScoreDelta {
    public long count;
    /** Sum of the values (NUMERIC, BOOLEAN); 0 for CATEGORICAL. */
    public BigDecimal valueSum = BigDecimal.ZERO;
    /** Label → signed count (CATEGORICAL, BOOLEAN). */
    public Map<String, Long> labels = new HashMap<>();
    /** Score time (epoch nanos) → signed count. */
    public Map<Long, Long> times = new HashMap<>();
    /** Times of counted scores whose trace-stage state expired (see Contribution.settledTraceTimes). */
    public Map<Long, Long> settledTimes = new HashMap<>();

    public ScoreDelta() {}

    /** this += other. */
    public void add(ScoreDelta other) {
        count += other.count;
        valueSum = valueSum.add(other.valueSum);
        other.labels.forEach((k, v) -> Counts.add(labels, k, v));
        other.times.forEach((k, v) -> Counts.add(times, k, v));
        other.settledTimes.forEach((k, v) -> Counts.add(settledTimes, k, v));
    }

    /** Adds (sign +1) or removes (sign -1) one score. */
    public void addScore(BigDecimal value, String label, long timeNanos, int sign) {
        count += sign;
        if (value != null) {
            valueSum = sign > 0 ? valueSum.add(value) : valueSum.subtract(value);
        }
        if (label != null) {
            Counts.add(labels, label, sign);
        }
        Counts.add(times, timeNanos, sign);
    }

    /** True when applying this changes no value of the user's scores (it may still settle). */
    public boolean changesNothing() {
        return count == 0 && valueSum.signum() == 0 && labels.isEmpty() && times.isEmpty();
    }

    public boolean isZero() {
        return changesNothing() && settledTimes.isEmpty();
    }

    /** The key of a (name, data type) in score maps; the type goes first (it has no ':'). */
    public static String key(String name, ScoreDataType type) {
        return type.name() + ":" + name;
    }

    public static ScoreDataType typeOf(String key) {
        return ScoreDataType.valueOf(key.substring(0, key.indexOf(':')));
    }

    public static String nameOf(String key) {
        return key.substring(key.indexOf(':') + 1);
    }

    @Override
    public String toString() {
        return "ScoreDelta{count=" + count + ", sum=" + valueSum + ", labels=" + labels + ", times=" + times
                + (settledTimes.isEmpty() ? "" : ", settled=" + settledTimes) + "}";
    }
}
