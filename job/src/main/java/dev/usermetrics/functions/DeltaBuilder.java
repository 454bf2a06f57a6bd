package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.validation.Timestamps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.Collector;

/**
 * Collects the signed contributions of one trace change and emits as few records as possible:
 * observation parts of the same (user, hour) are summed; a trace part (±1 trace at an exact
 * time, needed for first/last seen) rides along with one (user, hour) slot, or gets its own.
 */
final class DeltaBuilder {
    private record Slot(String userId, long hourStartMillis) {}

    private final String projectId;
    private final Map<Slot, Contribution> slots = new LinkedHashMap<>();
    private final List<Contribution> extra = new ArrayList<>();

    DeltaBuilder(String projectId) {
        this.projectId = projectId;
    }

    void addObservation(String userId, long timeNanos, Metrics part, int sign) {
        slot(userId, Timestamps.hourStartMillis(timeNanos)).delta.add(part, sign);
    }

    void addTrace(String userId, long traceTimeNanos, int sign) {
        Contribution c = slot(userId, Timestamps.hourStartMillis(traceTimeNanos));
        if (c.delta.traces != 0) {
            c = new Contribution(projectId, userId, c.hourStartMillis, 0, new Metrics());
            extra.add(c);
        }
        c.delta.traces = sign;
        c.traceTimeNanos = traceTimeNanos;
    }

    private Contribution slot(String userId, long hour) {
        return slots.computeIfAbsent(new Slot(userId, hour),
                s -> new Contribution(projectId, userId, hour, 0, new Metrics()));
    }

    /** Emits every non-empty contribution; returns how many. */
    int emit(Collector<Contribution> out) {
        int n = 0;
        for (Contribution c : slots.values()) {
            if (!c.delta.isZero()) {
                out.collect(c);
                n++;
            }
        }
        for (Contribution c : extra) {
            out.collect(c);
            n++;
        }
        return n;
    }
}
