package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.validation.Timestamps;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.util.Collector;

/**
 * Collects the signed contributions of one trace change and emits one record per
 * (user, hour) it touches: e.g. an observation update within its hour becomes one record with
 * the usage difference.
 */
final class DeltaBuilder {
    private record Slot(String userId, long hourStartMillis) {}

    private final String projectId;
    private final Map<Slot, Contribution> slots = new LinkedHashMap<>();

    DeltaBuilder(String projectId) {
        this.projectId = projectId;
    }

    void addObservation(String userId, long timeNanos, Metrics part, int sign) {
        slot(userId, Timestamps.hourStartMillis(timeNanos)).delta.add(part, sign);
    }

    void addTrace(String userId, long traceTimeNanos, int sign) {
        slot(userId, Timestamps.hourStartMillis(traceTimeNanos)).addTrace(traceTimeNanos, sign);
    }

    private Contribution slot(String userId, long hour) {
        return slots.computeIfAbsent(new Slot(userId, hour), s -> new Contribution(projectId, userId, hour));
    }

    /** Emits every contribution that changes something; returns how many. */
    int emit(Collector<Contribution> out) {
        int n = 0;
        for (Contribution c : slots.values()) {
            if (!c.isZero()) {
                out.collect(c);
                n++;
            }
        }
        return n;
    }
}
