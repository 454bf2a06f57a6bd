package dev.usermetrics.records;

import java.util.HashMap;
import java.util.Map;

/**
 * A signed change of one user's metrics in one environment and UTC hour, emitted by the trace
 * stage (and summed per (project, user, environment, hour) by the combiner) and applied by the
 * user stage. Daily buckets and totals are derived from the hour.
 */
public class Contribution {
    public String projectId;
    public String userId;
    /** The trace's environment (see EnvironmentRules). */
    public String environment;
    /** Start of the UTC hour the delta belongs to, epoch millis. */
    public long hourStartMillis;
    /**
     * Exact trace times added (+n) or removed (-n), epoch nanos → signed count; their sum is
     * delta.traces. Kept exactly (not just counted) for first/last seen.
     */
    public Map<Long, Long> traceTimes = new HashMap<>();
    public Metrics delta = new Metrics();
    /** The observations' part of delta per model ("" = no model). */
    public Map<String, ModelMetrics> byModel = new HashMap<>();
    /** Score changes per ScoreDelta.key(name, data type). */
    public Map<String, ScoreDelta> scores = new HashMap<>();
    /**
     * Trace times (epoch nanos → count) of traces whose state expired in the trace stage: they
     * stay counted and can never be retracted, so the user stage folds them into its settled
     * first/last seen and forgets them (bounded state).
     */
    public Map<Long, Long> settledTraceTimes = new HashMap<>();
    /**
     * Traces of the user (in this environment) added to (+n) or removed from (-n) a session,
     * sessionId → signed count: the user stage counts the distinct sessions with a trace.
     */
    public Map<String, Long> sessions = new HashMap<>();

    public Contribution() {}

    public Contribution(String projectId, String userId, String environment, long hourStartMillis) {
        this.projectId = projectId;
        this.userId = userId;
        this.environment = environment;
        this.hourStartMillis = hourStartMillis;
    }

    /** this += other (same project, user, environment and hour). */
    public void add(Contribution other) {
        delta.add(other.delta, +1);
        other.traceTimes.forEach((t, n) -> Counts.add(traceTimes, t, n));
        other.byModel.forEach((m, d) -> byModel.computeIfAbsent(m, k -> new ModelMetrics()).add(d, +1));
        other.scores.forEach((k, d) -> scores.computeIfAbsent(k, x -> new ScoreDelta()).add(d));
        other.settledTraceTimes.forEach((t, n) -> Counts.add(settledTraceTimes, t, n));
        other.sessions.forEach((s, n) -> Counts.add(sessions, s, n));
    }

    /** Adds (sign +1) or removes (sign -1) one trace of the session. */
    public void addSessionTrace(String sessionId, long sign) {
        Counts.add(sessions, sessionId, sign);
    }

    /** Marks one counted trace at this time as settled (its trace-stage state expired). */
    public void settleTrace(long timeNanos) {
        Counts.add(settledTraceTimes, timeNanos, 1);
    }

    /** Marks one counted score as settled. */
    public void settleScore(String scoreKey, long timeNanos) {
        Counts.add(scores.computeIfAbsent(scoreKey, k -> new ScoreDelta()).settledTimes, timeNanos, 1);
    }

    /** True when this only settles (changes no metric, so no row changes). */
    public boolean onlySettles() {
        return delta.isZero() && traceTimes.isEmpty() && sessions.isEmpty()
                && byModel.values().stream().allMatch(ModelMetrics::isZero)
                && scores.values().stream().allMatch(ScoreDelta::changesNothing);
    }

    /** Records sign traces at one exact time. */
    public void addTrace(long timeNanos, long sign) {
        delta.traces += sign;
        Counts.add(traceTimes, timeNanos, sign);
    }

    /**
     * Adds (sign +1) or removes (sign -1) one observation's contribution under its model;
     * {@code unpriced}: it has usage but no cost and no price definition matches its model.
     */
    public void addObservation(String model, Metrics part, boolean unpriced, int sign) {
        delta.add(part, sign);
        byModel.computeIfAbsent(model == null ? "" : model, k -> new ModelMetrics()).add(ModelMetrics.of(part, unpriced), sign);
    }

    /** The trace enters (sign +1) or leaves (sign -1) the day's rows of this model ("" = none). */
    public void addModelTrace(String model, int sign) {
        byModel.computeIfAbsent(model, k -> new ModelMetrics()).traces += sign;
    }

    /** Adds (sign +1) or removes (sign -1) one score. */
    public void addScore(String name, ScoreDataType type, java.math.BigDecimal value, String label, long timeNanos, int sign) {
        delta.scores += sign;
        scores.computeIfAbsent(ScoreDelta.key(name, type), k -> new ScoreDelta()).addScore(value, label, timeNanos, sign);
    }

    /** True when applying this changes nothing. */
    public boolean isZero() {
        return onlySettles() && settledTraceTimes.isEmpty()
                && scores.values().stream().allMatch(ScoreDelta::isZero);
    }

    @Override
    public String toString() {
        return "Contribution{" + projectId + "/" + userId + "/" + environment + " @" + hourStartMillis + " " + delta
                + " traceTimes=" + traceTimes + " byModel=" + byModel + " scores=" + scores
                + (settledTraceTimes.isEmpty() ? "" : " settled=" + settledTraceTimes)
                + (sessions.isEmpty() ? "" : " sessions=" + sessions) + "}";
    }
}
