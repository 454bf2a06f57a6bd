package dev.usermetrics.records;

/**
 * A signed change of one user's metrics in one UTC hour, emitted by the trace stage and
 * summed by the user stage. Daily buckets and totals are derived from the hour.
 */
public class Contribution {
    public String projectId;
    public String userId;
    /** Start of the UTC hour the delta belongs to, epoch millis. */
    public long hourStartMillis;
    /** When delta.traces != 0: the exact trace time added (+1) or removed (-1), for first/last seen. */
    public long traceTimeNanos;
    public Metrics delta;

    public Contribution() {}

    public Contribution(String projectId, String userId, long hourStartMillis, long traceTimeNanos, Metrics delta) {
        this.projectId = projectId;
        this.userId = userId;
        this.hourStartMillis = hourStartMillis;
        this.traceTimeNanos = traceTimeNanos;
        this.delta = delta;
    }

    @Override
    public String toString() {
        return "Contribution{" + projectId + "/" + userId + " @" + hourStartMillis + " " + delta + "}";
    }
}
