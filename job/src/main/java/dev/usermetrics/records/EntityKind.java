package dev.usermetrics.records;

/** What an event describes. */
public enum EntityKind {
    TRACE,
    OBSERVATION,
    /** A score (user feedback) of a trace. */
    SCORE,
    /**
     * Not from the input: the router tells a trace that one of its observations belongs to
     * another trace after all (an earlier-ordered event named another traceId).
     */
    OBSERVATION_MOVED_AWAY,
    /** The same for a score. */
    SCORE_MOVED_AWAY;

    /** The kind that tells the old trace that a member of this kind moved to another trace. */
    public EntityKind movedAway() {
        return switch (this) {
            case OBSERVATION -> OBSERVATION_MOVED_AWAY;
            case SCORE -> SCORE_MOVED_AWAY;
            default -> throw new IllegalArgumentException(this + " cannot move");
        };
    }
}
