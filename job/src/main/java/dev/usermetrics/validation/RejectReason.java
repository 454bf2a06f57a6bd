package dev.usermetrics.validation;

/**
 * Why an event (or one of its fields) was not used. The code is what {@code rejected_events.reason}
 * holds and what the per-reason Flink metric is named after; the action is what happened to the
 * event ({@code rejected_events.action}).
 */
public enum RejectReason {
    // The whole event is rejected: nothing of it is applied.
    EMPTY_RECORD("empty_record", Action.REJECTED),
    NOT_JSON("not_json", Action.REJECTED),
    /** A record of an OTLP topic that is not an ExportTraceServiceRequest in the topic's format. */
    NOT_OTLP("not_otlp", Action.REJECTED),
    NESTING_TOO_DEEP("nesting_too_deep", Action.REJECTED),
    RECORD_TOO_LARGE("record_too_large", Action.REJECTED),
    NOT_AN_OBJECT("not_an_object", Action.REJECTED),
    MISSING_FIELD("missing_field", Action.REJECTED),
    INVALID_FIELD("invalid_field", Action.REJECTED),
    UNKNOWN_TYPE("unknown_type", Action.REJECTED),
    INVALID_TIMESTAMP("invalid_timestamp", Action.REJECTED),
    INVALID_USAGE("invalid_usage", Action.REJECTED),
    INVALID_COST("invalid_cost", Action.REJECTED),
    INVALID_SCORE("invalid_score", Action.REJECTED),
    /** A score must name its trace: scores of sessions are not supported yet. */
    SCORE_WITHOUT_TRACE("score_without_trace", Action.REJECTED),
    /** The event names a project its topic may not carry (--input.projects, {@link ProjectPins}). */
    PROJECT_NOT_ALLOWED("project_not_allowed", Action.REJECTED),
    // Only one field is dropped or replaced; the rest of the event is processed.
    USER_ID_NOT_STRING("user_id_not_string", Action.USER_ID_DROPPED),
    USER_ID_TOO_LONG("user_id_too_long", Action.USER_ID_DROPPED),
    USER_ID_NOT_STORABLE("user_id_not_storable", Action.USER_ID_DROPPED),
    /** The same rules for the sessionId (the trace is counted, without a session). */
    SESSION_ID_NOT_STRING("session_id_not_string", Action.SESSION_ID_DROPPED),
    SESSION_ID_TOO_LONG("session_id_too_long", Action.SESSION_ID_DROPPED),
    SESSION_ID_NOT_STORABLE("session_id_not_storable", Action.SESSION_ID_DROPPED),
    /** Langfuse's rule: an unusable environment becomes "default". */
    INVALID_ENVIRONMENT("invalid_environment", Action.ENVIRONMENT_DEFAULTED),
    INVALID_MODEL("invalid_model", Action.MODEL_DROPPED),
    /** A trace name that is not a string, longer than 1000 characters or not storable (the trace is used, unnamed). */
    INVALID_TRACE_NAME("invalid_trace_name", Action.TRACE_NAME_DROPPED);

    /** What happened to the event. */
    public enum Action {
        REJECTED("rejected"),
        USER_ID_DROPPED("user_id_dropped"),
        SESSION_ID_DROPPED("session_id_dropped"),
        ENVIRONMENT_DEFAULTED("environment_defaulted"),
        MODEL_DROPPED("model_dropped"),
        TRACE_NAME_DROPPED("trace_name_dropped");

        private final String code;

        Action(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final String code;
    private final Action action;

    RejectReason(String code, Action action) {
        this.code = code;
        this.action = action;
    }

    public String code() {
        return code;
    }

    public Action action() {
        return action;
    }
}
