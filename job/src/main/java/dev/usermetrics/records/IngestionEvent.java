package dev.usermetrics.records;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A validated trace, observation or score event, reduced to what the metrics need. Times are epoch
 * nanoseconds (UTC). Public fields, no-arg constructor; on the streams it is written by
 * wire.IngestionEventSerializer.
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
    /** A valid sessionId (the user-ID rules, see UserIdRules) of a trace or observation event, or null. */
    public String sessionId;
    /** Trace body.name (valid: a storable string of at most 1000 characters) or null. */
    public String traceName;
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

    @Override
    public String toString() {
        return kind + "{event=" + eventId + ", ts=" + timestampNanos + ", project=" + projectId
                + ", trace=" + traceId + ", obs=" + observationId + ", score=" + scoreId + ", user=" + userId + ", session=" + sessionId
                + ", env=" + environment + ", model=" + model
                + ", bodyTime=" + bodyTimeNanos + ", usage=" + usage + ", cost=" + cost + "}";
    }
}
