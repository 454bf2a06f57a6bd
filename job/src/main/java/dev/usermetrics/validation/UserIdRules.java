package dev.usermetrics.validation;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The user-ID rules, in one place — and the session id's, which the SDKs propagate by the same
 * rules ({@code propagate_attributes(user_id=..., session_id=...)}).
 *
 * <p>A userId (sessionId) is valid when it is a JSON string of 1..{@value #MAX_CODE_POINTS}
 * Unicode code points (counted like Python's {@code len}, as the Langfuse Python SDK does) that
 * Postgres can store: no U+0000 and no unpaired surrogate. {@code null}, a missing field and
 * {@code ""} mean "none" and are not a problem. Anything else is dropped from its event with a
 * reason; the rest of the event is still processed.
 */
public final class UserIdRules {

    public static final int MAX_CODE_POINTS = 200;

    private UserIdRules() {}

    /** A propagated id field and the reasons it is dropped for. */
    public enum Attribute {
        USER_ID("userId", RejectReason.USER_ID_NOT_STRING, RejectReason.USER_ID_NOT_STORABLE, RejectReason.USER_ID_TOO_LONG),
        SESSION_ID("sessionId", RejectReason.SESSION_ID_NOT_STRING, RejectReason.SESSION_ID_NOT_STORABLE,
                RejectReason.SESSION_ID_TOO_LONG);

        /** The body field (and the name in the reason's detail). */
        public final String field;
        final RejectReason notString;
        final RejectReason notStorable;
        final RejectReason tooLong;

        Attribute(String field, RejectReason notString, RejectReason notStorable, RejectReason tooLong) {
            this.field = field;
            this.notString = notString;
            this.notStorable = notStorable;
            this.tooLong = tooLong;
        }
    }

    /** The outcome of checking one id field. */
    public sealed interface Result permits Absent, Valid, Invalid {}

    /** No id: field missing, JSON null or the empty string. */
    public record Absent() implements Result {}

    public record Valid(String userId) implements Result {}

    /** A present but unusable id: dropped from the event with this reason. */
    public record Invalid(RejectReason reason, String detail) implements Result {}

    private static final Absent ABSENT = new Absent();

    /** Checks the {@code userId} field of an event body ({@code node} may be null = missing). */
    public static Result check(JsonNode node) {
        return check(node, Attribute.USER_ID);
    }

    /** Checks a userId that is already known to be a string. */
    public static Result check(String value) {
        return check(value, Attribute.USER_ID);
    }

    /** Checks the attribute's field of an event body ({@code node} may be null = missing). */
    public static Result check(JsonNode node, Attribute a) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return ABSENT;
        }
        if (!node.isTextual()) {
            return new Invalid(a.notString, a.field + " is a JSON " + node.getNodeType().name().toLowerCase() + ", not a string");
        }
        return check(node.textValue(), a);
    }

    /** Checks a value of the attribute that is already known to be a string. */
    public static Result check(String value, Attribute a) {
        if (value == null || value.isEmpty()) {
            return ABSENT;
        }
        String unstorable = TextRules.whyNotStorable(value);
        if (unstorable != null) {
            return new Invalid(a.notStorable, a.field + " " + unstorable);
        }
        // Code points, not UTF-16 units: 150 emoji (300 units) are valid.
        int codePoints = value.codePointCount(0, value.length());
        if (codePoints > MAX_CODE_POINTS) {
            return new Invalid(a.tooLong, a.field + " has " + codePoints + " characters, more than " + MAX_CODE_POINTS);
        }
        return new Valid(value);
    }
}
