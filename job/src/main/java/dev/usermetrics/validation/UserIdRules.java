package dev.usermetrics.validation;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The user-ID rules, in one place.
 *
 * <p>A userId is valid when it is a JSON string of 1..{@value #MAX_CODE_POINTS} Unicode code
 * points (counted like Python's {@code len}, as the Langfuse Python SDK does) that Postgres can
 * store: no U+0000 and no unpaired surrogate. {@code null}, a missing field and {@code ""} mean
 * "no userId" and are not a problem. Anything else is dropped from its event with a reason; the
 * rest of the event is still processed.
 */
public final class UserIdRules {

    public static final int MAX_CODE_POINTS = 200;

    private UserIdRules() {}

    /** The outcome of checking one userId field. */
    public sealed interface Result permits Absent, Valid, Invalid {}

    /** No userId: field missing, JSON null or the empty string. */
    public record Absent() implements Result {}

    public record Valid(String userId) implements Result {}

    /** A present but unusable userId: dropped from the event with this reason. */
    public record Invalid(RejectReason reason, String detail) implements Result {}

    private static final Absent ABSENT = new Absent();

    /** Checks the {@code userId} field of an event body ({@code node} may be null = missing). */
    public static Result check(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return ABSENT;
        }
        if (!node.isTextual()) {
            return new Invalid(
                    RejectReason.USER_ID_NOT_STRING,
                    "userId is a JSON " + node.getNodeType().name().toLowerCase() + ", not a string");
        }
        return check(node.textValue());
    }

    /** Checks a userId that is already known to be a string. */
    public static Result check(String value) {
        if (value == null || value.isEmpty()) {
            return ABSENT;
        }
        String unstorable = TextRules.whyNotStorable(value);
        if (unstorable != null) {
            return new Invalid(RejectReason.USER_ID_NOT_STORABLE, "userId " + unstorable);
        }
        // Code points, not UTF-16 units: 150 emoji (300 units) are valid.
        int codePoints = value.codePointCount(0, value.length());
        if (codePoints > MAX_CODE_POINTS) {
            return new Invalid(
                    RejectReason.USER_ID_TOO_LONG,
                    "userId has " + codePoints + " characters, more than " + MAX_CODE_POINTS);
        }
        return new Valid(value);
    }
}
