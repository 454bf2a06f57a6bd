package dev.usermetrics.functions;

import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.ScoreDataType;
import java.math.BigDecimal;
import java.util.Map;

/** Builders of parsed events for operator tests. Times are in seconds since the epoch. */
final class Events {
    private Events() {}

    static final long SEC = 1_000_000_000L;

    /** The envelope fields every builder shares (project "p"). */
    private static IngestionEvent event(EntityKind kind, String eventId, long tsSec, String traceId) {
        IngestionEvent e = new IngestionEvent();
        e.eventId = eventId;
        e.timestampNanos = tsSec * SEC;
        e.projectId = "p";
        e.kind = kind;
        e.traceId = traceId;
        return e;
    }

    static IngestionEvent trace(String eventId, long tsSec, String traceId, String userId) {
        IngestionEvent e = event(EntityKind.TRACE, eventId, tsSec, traceId);
        e.userId = userId;
        return e;
    }

    static IngestionEvent score(String eventId, long tsSec, String traceId, String scoreId, String name,
            ScoreDataType type, String value, String label) {
        IngestionEvent e = event(EntityKind.SCORE, eventId, tsSec, traceId);
        e.scoreId = scoreId;
        e.scoreName = name;
        e.scoreDataType = type;
        e.scoreValue = value == null ? null : new BigDecimal(value);
        e.scoreLabel = label;
        return e;
    }

    static IngestionEvent withEnv(IngestionEvent e, String env) {
        e.environment = env;
        return e;
    }

    static IngestionEvent obs(String eventId, long tsSec, String traceId, String obsId, String userId,
            Long startSec, Map<String, Long> usage, Map<String, BigDecimal> cost) {
        IngestionEvent e = event(EntityKind.OBSERVATION, eventId, tsSec, traceId);
        e.observationId = obsId;
        e.userId = userId;
        e.bodyTimeNanos = startSec == null ? null : startSec * SEC;
        e.usage = usage;
        e.cost = cost;
        return e;
    }
}
