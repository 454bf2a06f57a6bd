package dev.usermetrics.records;

/** What an event describes. */
public enum EntityKind {
    TRACE,
    OBSERVATION,
    /**
     * Not from the input: the observation router tells a trace that one of its observations
     * belongs to another trace after all (an earlier-ordered event named another traceId).
     */
    OBSERVATION_MOVED_AWAY
}
