package dev.usermetrics.validation;

/**
 * Why an event (or its userId) was not used. The code is what {@code rejected_events.reason}
 * holds and what the per-reason Flink metric is named after.
 */
public enum RejectReason {
    // The whole event is rejected: nothing of it is applied.
    EMPTY_RECORD("empty_record"),
    NOT_JSON("not_json"),
    NESTING_TOO_DEEP("nesting_too_deep"),
    RECORD_TOO_LARGE("record_too_large"),
    NOT_AN_OBJECT("not_an_object"),
    MISSING_FIELD("missing_field"),
    INVALID_FIELD("invalid_field"),
    UNKNOWN_TYPE("unknown_type"),
    INVALID_TIMESTAMP("invalid_timestamp"),
    INVALID_USAGE("invalid_usage"),
    INVALID_COST("invalid_cost"),
    // Only the userId is dropped; the rest of the event is processed.
    USER_ID_NOT_STRING("user_id_not_string"),
    USER_ID_TOO_LONG("user_id_too_long"),
    USER_ID_NOT_STORABLE("user_id_not_storable");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** True when only the userId is dropped and the event itself is still applied. */
    public boolean onlyUserIdDropped() {
        return name().startsWith("USER_ID_");
    }
}
