package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.validation.Timestamps;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.util.Collector;

/**
 * Collects the signed contributions of one trace change and emits one record per
 * (user, environment, hour) it touches: e.g. an observation update within its hour becomes one
 * record with the usage difference.
 */
final class DeltaBuilder {
    private record Slot(String userId, String environment, long hourStartMillis) {}

    private final String projectId;
    private final Map<Slot, Contribution> slots = new LinkedHashMap<>();

    DeltaBuilder(String projectId) {
        this.projectId = projectId;
    }

    void addTrace(String userId, String env, long traceTimeNanos, int sign) {
        slot(userId, env, traceTimeNanos).addTrace(traceTimeNanos, sign);
    }

    /** One trace at traceTimeNanos, counted for (user, env), joins (+1) or leaves (-1) the session. */
    void addSessionTrace(String userId, String env, long traceTimeNanos, String sessionId, int sign) {
        slot(userId, env, traceTimeNanos).addSessionTrace(sessionId, sign);
    }

    /** The trace at traceTimeNanos, counted for (user, env), is settled (its state expired). */
    void settleTrace(String userId, String env, long traceTimeNanos) {
        slot(userId, env, traceTimeNanos).settleTrace(traceTimeNanos);
    }

    /** The contribution of (user, environment, hour of timeNanos). */
    Contribution slot(String userId, String env, long timeNanos) {
        long hour = Timestamps.hourStartMillis(timeNanos);
        return slots.computeIfAbsent(new Slot(userId, env, hour), s -> new Contribution(projectId, userId, env, hour));
    }

    /** Adds everything collected to {@code totals} (a trace's: moves between users cancel out). */
    void addTo(dev.usermetrics.records.RowTotals totals) {
        for (Contribution c : slots.values()) {
            totals.add(c.delta, +1);
        }
    }

    /** Emits every contribution that changes something. */
    void emit(Collector<Contribution> out) {
        for (Contribution c : slots.values()) {
            if (!c.isZero()) {
                out.collect(c);
            }
        }
    }
}
