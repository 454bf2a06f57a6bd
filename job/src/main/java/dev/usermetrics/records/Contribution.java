package dev.usermetrics.records;

import java.util.HashMap;
import java.util.Map;

/**
 * A signed change of one user's metrics in one UTC hour, emitted by the trace stage (and summed
 * per (project, user, hour) by the combiner) and applied by the user stage. Daily buckets and
 * totals are derived from the hour.
 */
public class Contribution {
    public String projectId;
    public String userId;
    /** Start of the UTC hour the delta belongs to, epoch millis. */
    public long hourStartMillis;
    /**
     * Exact trace times added (+n) or removed (-n), epoch nanos → signed count; their sum is
     * delta.traces. Kept exactly (not just counted) for first/last seen.
     */
    public Map<Long, Long> traceTimes = new HashMap<>();
    public Metrics delta = new Metrics();

    public Contribution() {}

    public Contribution(String projectId, String userId, long hourStartMillis) {
        this.projectId = projectId;
        this.userId = userId;
        this.hourStartMillis = hourStartMillis;
    }

    /** this += other (same project, user and hour). */
    public void add(Contribution other) {
        delta.add(other.delta, +1);
        addTraceTimes(other.traceTimes);
    }

    /** Records sign traces at one exact time. */
    public void addTrace(long timeNanos, long sign) {
        delta.traces += sign;
        addTraceTimes(Map.of(timeNanos, sign));
    }

    private void addTraceTimes(Map<Long, Long> other) {
        for (Map.Entry<Long, Long> e : other.entrySet()) {
            long n = traceTimes.getOrDefault(e.getKey(), 0L) + e.getValue();
            if (n == 0) {
                traceTimes.remove(e.getKey());
            } else {
                traceTimes.put(e.getKey(), n);
            }
        }
    }

    /** True when applying this changes nothing. */
    public boolean isZero() {
        return delta.isZero() && traceTimes.isEmpty();
    }

    @Override
    public String toString() {
        return "Contribution{" + projectId + "/" + userId + " @" + hourStartMillis + " " + delta
                + " traceTimes=" + traceTimes + "}";
    }
}
