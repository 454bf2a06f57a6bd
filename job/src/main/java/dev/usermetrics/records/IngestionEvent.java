package dev.usermetrics.records;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A validated trace or observation event, reduced to what the metrics need. Times are epoch
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
    /** body.id of an observation event; null for a trace event. */
    public String observationId;
    /** Trace body.timestamp or observation body.startTime; null when absent. */
    public Long bodyTimeNanos;
    /** A valid userId (see UserIdRules) or null. */
    public String userId;
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
                + ", trace=" + traceId + ", obs=" + observationId + ", user=" + userId
                + ", bodyTime=" + bodyTimeNanos + ", usage=" + usage + ", cost=" + cost + "}";
    }
}
