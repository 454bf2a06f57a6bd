package dev.usermetrics.records;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A validated trace, observation or score event, reduced to what the metrics need. Times are epoch
 * nanoseconds (UTC). Flink POJO: public fields, no-arg constructor.
 */
public class IngestionEvent {
    /** Envelope id: events with the same id are the same event. */
    public String eventId;
    /** Envelope timestamp: orders the events of one entity (ties broken by eventId). */
    public long timestampNanos;

    public String projectId;
    public EntityKind kind;
    /** The trace: body.id of a trace event, body.traceId of an observation event. */
    public String traceId;
    /** body.id of an observation event; null otherwise. */
    public String observationId;
    /** body.id of a score event; null otherwise. */
    public String scoreId;
    /** Trace body.timestamp, observation body.startTime, score body.timestamp; null when absent. */
    public Long bodyTimeNanos;
    /** A valid userId (see UserIdRules) or null. */
    public String userId;
    /** A valid environment (see EnvironmentRules), "default" when an invalid one was sent, or null. */
    public String environment;
    /** Observation body.model (valid: storable, at most 200 characters) or null. */
    public String model;
    /** Score name, data type, numeric value (NUMERIC, BOOLEAN) and label (CATEGORICAL, BOOLEAN). */
    public String scoreName;
    public ScoreDataType scoreDataType;
    public BigDecimal scoreValue;
    public String scoreLabel;
    /** usageDetails (or legacy usage mapped onto it); null when absent or empty. */
    public Map<String, Long> usage;
    /** costDetails (or legacy usage costs); null when absent or empty. */
    public Map<String, BigDecimal> cost;

    public IngestionEvent() {}

    public boolean isTrace() {
        return kind == EntityKind.TRACE;
    }

    /** A shallow copy (maps are shared: they are never modified after parsing). */
    public IngestionEvent copy() {
        IngestionEvent c = new IngestionEvent();
        c.eventId = eventId;
        c.timestampNanos = timestampNanos;
        c.projectId = projectId;
        c.kind = kind;
        c.traceId = traceId;
        c.observationId = observationId;
        c.scoreId = scoreId;
        c.bodyTimeNanos = bodyTimeNanos;
        c.userId = userId;
        c.environment = environment;
        c.model = model;
        c.usage = usage;
        c.cost = cost;
        c.scoreName = scoreName;
        c.scoreDataType = scoreDataType;
        c.scoreValue = scoreValue;
        c.scoreLabel = scoreLabel;
        return c;
    }

    @Override
    public String toString() {
        return kind + "{event=" + eventId + ", ts=" + timestampNanos + ", project=" + projectId
                + ", trace=" + traceId + ", obs=" + observationId + ", score=" + scoreId + ", user=" + userId
                + ", env=" + environment + ", model=" + model
                + ", bodyTime=" + bodyTimeNanos + ", usage=" + usage + ", cost=" + cost + "}";
    }
}
