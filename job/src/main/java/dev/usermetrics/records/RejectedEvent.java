package dev.usermetrics.records;

/** A record (or the userId of one) that was not used, with the reason; one rejected_events row. */
public class RejectedEvent {
    public String eventId;
    public String projectId;
    /** A RejectReason code. */
    public String reason;
    /** Human-readable detail, e.g. which field and why. */
    public String detail;
    /** "rejected" (nothing applied) or "user_id_dropped" (the rest of the event applied). */
    public String action;
    /** A storable prefix of the raw record. */
    public String raw;
    public String topic;
    public int partition;
    public long offset;

    public RejectedEvent() {}
}
