package dev.usermetrics.functions;

/** Something a trace holds and counts for its user: an observation or a score. */
interface TraceMember {
    /** True when this event was applied before. */
    boolean seen(String eventId);

    /** Adds (sign +1) or removes (sign -1) what this member contributes to a user. */
    void addTo(DeltaBuilder delta, String user, String environment, int sign);

    /** A deep enough copy that "before" stays as it was under a heap state backend too. */
    TraceMember copy();
}
