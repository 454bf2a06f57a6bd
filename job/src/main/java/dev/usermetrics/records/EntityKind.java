package dev.usermetrics.records;

/** What the body of an accepted event describes. */
public enum EntityKind {
    TRACE,
    OBSERVATION
}
