package dev.usermetrics.records;

/** What an event describes. */
public enum EntityKind {
    TRACE,
    /** An observation, identified by (project, traceId, observationId). */
    OBSERVATION,
    /** A score (user feedback) of a trace, identified by (project, traceId, scoreId). */
    SCORE
}
