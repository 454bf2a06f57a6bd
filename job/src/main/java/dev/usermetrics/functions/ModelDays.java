package dev.usermetrics.functions;

import dev.usermetrics.validation.Timestamps;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * How one trace counts in {@code user_model_metrics_daily.trace_count} (Langfuse's daily usage per
 * model, {@code usage[].countTraces}): once in every (UTC day, model) that holds at least one of
 * its observations. The trace's state keeps its observations per (day, model)
 * ({@link TraceState#modelDays}); a session works out which of those the trace enters or leaves,
 * and, when the trace moves to another user or environment, moves every one it is in.
 *
 * <p>Each +1 / -1 goes into the contribution of an observation of that day (one the session
 * touches anyway), so no contribution is made for a trace count alone.
 */
final class ModelDays {
    /** A (day, model) key: the day's epoch day, ':' and the model ("" = none). */
    static String key(ObservationState o) {
        long day = Math.floorDiv(Timestamps.hourStartMillis(o.timeNanos()), 86_400_000L);
        return day + ":" + (o.model.value == null ? "" : o.model.value);
    }

    static String modelOf(String key) {
        return key.substring(key.indexOf(':') + 1);
    }

    private final Map<String, Integer> before;
    private final Map<String, Integer> after;
    /** The time of an observation in each key, before and after the session (where its +1 / -1 goes). */
    private final Map<String, Long> beforeTime = new HashMap<>();
    private final Map<String, Long> afterTime = new HashMap<>();

    /**
     * The trace's counts at the session's start: what was emitted ({@code known} false: state from
     * before they were kept, so nothing was; every observation is then counted afresh).
     */
    ModelDays(TraceState t) {
        this.before = t.modelDaysKnown ? new HashMap<>(t.modelDays) : new HashMap<>();
        this.after = t.modelDaysKnown ? t.modelDays : new HashMap<>();
    }

    /** An observation the session did not change (visited when the trace moved, or when recounting). */
    void unchanged(ObservationState o, boolean recounting) {
        String k = key(o);
        beforeTime.putIfAbsent(k, o.timeNanos());
        afterTime.putIfAbsent(k, o.timeNanos());
        if (recounting) {
            after.merge(k, 1, Integer::sum);
        }
    }

    /** An observation the session changed from {@code before} (null: new) to {@code now}. */
    void changed(ObservationState before, ObservationState now, boolean recounting) {
        if (before != null) {
            String k = key(before);
            beforeTime.putIfAbsent(k, before.timeNanos());
            if (!recounting) {
                after.merge(k, -1, Integer::sum);
            }
        }
        String k = key(now);
        afterTime.putIfAbsent(k, now.timeNanos());
        after.merge(k, 1, Integer::sum);
    }

    /**
     * Emits the trace's changes of model-day trace counts: out of every key it left (or all, when it
     * moved) where it was counted, into every key it entered (or all) where it counts now.
     */
    void emit(DeltaBuilder delta, String fromUser, String fromEnv, String toUser, String toEnv, boolean moved) {
        Set<String> keys = new HashSet<>(before.keySet());
        keys.addAll(after.keySet());
        for (String k : keys) {
            boolean was = before.getOrDefault(k, 0) > 0;
            boolean is = after.getOrDefault(k, 0) > 0;
            if (fromUser != null && was && (moved || !is)) {
                delta.slot(fromUser, fromEnv, beforeTime.get(k)).addModelTrace(modelOf(k), -1);
            }
            if (toUser != null && is && (moved || !was)) {
                delta.slot(toUser, toEnv, afterTime.get(k)).addModelTrace(modelOf(k), +1);
            }
        }
        after.values().removeIf(n -> n == 0);
    }

    /** The counts after the session (the trace state's new {@code modelDays}). */
    Map<String, Integer> counts() {
        return after;
    }
}
