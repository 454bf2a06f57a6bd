package dev.usermetrics.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.ScoreDataType;
import java.math.BigDecimal;

/**
 * The score-create rules, in one place (Langfuse's score body, narrowed to what the metrics
 * use):
 * <ul>
 *   <li>{@code id} and {@code name} (at most 1,000 UTF-8 bytes) are required; {@code traceId} too (scores of sessions or
 *       dataset runs are rejected as {@code score_without_trace} until they are supported).</li>
 *   <li>{@code dataType} NUMERIC, BOOLEAN or CATEGORICAL; when absent it is inferred: a numeric
 *       {@code value} is NUMERIC, a string {@code value} or a {@code stringValue} CATEGORICAL.</li>
 *   <li>NUMERIC: {@code value} a number with |value| &lt; 10^15 and at most 20 decimals.</li>
 *   <li>BOOLEAN: {@code value} 0 or 1; its label is "True" / "False" (as Langfuse stores it).</li>
 *   <li>CATEGORICAL: the label is {@code stringValue}, else a string {@code value}; 1..500
 *       storable characters.</li>
 *   <li>{@code timestamp} (optional) places the score in a time bucket; default: the envelope
 *       timestamp. {@code observationId} and {@code comment} are not used by the metrics.</li>
 * </ul>
 * Anything else rejects the score with {@code invalid_score} and a precise detail.
 */
final class ScoreRules {

    private static final int MAX_ABS_DIGITS = 15;
    public static final int MAX_SCALE = 20;
    /** In UTF-8 bytes: the name is part of user_scores' primary key (see KeyLimits). */
    public static final int MAX_NAME_BYTES = KeyLimits.SCORE_NAME_MAX_BYTES;
    public static final int MAX_LABEL_LENGTH = 500;

    private ScoreRules() {}

    static void read(JsonNode body, IngestionEvent e) throws EventParser.Reject {
        e.scoreId = EventParser.requireId(body, "id", EventParser.MAX_ID_LENGTH, "body.id");
        JsonNode trace = body.get("traceId");
        if (trace == null || trace.isNull()) {
            throw new EventParser.Reject(RejectReason.SCORE_WITHOUT_TRACE,
                    "score " + TextRules.storablePrefix(e.scoreId, 100) + " has no traceId (scores of sessions or dataset runs are not supported yet)");
        }
        e.traceId = EventParser.requireId(body, "traceId", EventParser.MAX_ID_LENGTH, "body.traceId");
        e.scoreName = text(body.get("name"), "body.name", MAX_NAME_BYTES);
        if (e.scoreName != null && KeyLimits.utf8Length(e.scoreName) > MAX_NAME_BYTES) {
            throw invalid("body.name has " + KeyLimits.utf8Length(e.scoreName) + " UTF-8 bytes, more than " + MAX_NAME_BYTES);
        }
        if (e.scoreName == null) {
            throw invalid("body.name is required");
        }
        e.bodyTimeNanos = EventParser.optionalTimestamp(body, "timestamp");
        JsonNode value = present(body.get("value"));
        JsonNode stringValue = present(body.get("stringValue"));
        ScoreDataType type = dataType(body.get("dataType"), value, stringValue);
        e.scoreDataType = type;
        switch (type) {
            case NUMERIC -> e.scoreValue = number(value, "NUMERIC");
            case BOOLEAN -> {
                BigDecimal v = number(value, "BOOLEAN");
                if (v.compareTo(BigDecimal.ZERO) != 0 && v.compareTo(BigDecimal.ONE) != 0) {
                    throw invalid("a BOOLEAN score's value must be 0 or 1, got " + EventParser.shortNumber(v));
                }
                e.scoreValue = v.signum() == 0 ? BigDecimal.ZERO : BigDecimal.ONE;
                e.scoreLabel = v.signum() == 0 ? "False" : "True";
            }
            case CATEGORICAL -> {
                JsonNode label = stringValue != null ? stringValue : value;
                if (label == null || !label.isTextual()) {
                    throw invalid("a CATEGORICAL score needs a string stringValue or value");
                }
                e.scoreLabel = text(label, stringValue != null ? "body.stringValue" : "body.value", MAX_LABEL_LENGTH);
                if (e.scoreLabel == null) {
                    throw invalid("a CATEGORICAL score's label is empty");
                }
            }
        }
    }

    private static ScoreDataType dataType(JsonNode n, JsonNode value, JsonNode stringValue) throws EventParser.Reject {
        if (n == null || n.isNull()) {
            if (value != null && value.isNumber()) {
                return ScoreDataType.NUMERIC;
            }
            if ((value != null && value.isTextual()) || (stringValue != null && stringValue.isTextual())) {
                return ScoreDataType.CATEGORICAL;
            }
            throw invalid("score has neither a numeric value nor a string value");
        }
        if (n.isTextual()) {
            for (ScoreDataType t : ScoreDataType.values()) {
                if (t.name().equals(n.textValue())) {
                    return t;
                }
            }
        }
        throw invalid("body.dataType must be NUMERIC, BOOLEAN or CATEGORICAL, got "
                + TextRules.storablePrefix(n.toString(), 60));
    }

    private static BigDecimal number(JsonNode v, String type) throws EventParser.Reject {
        if (v == null || !v.isNumber()) {
            throw invalid("a " + type + " score's value must be a number"
                    + (v == null ? ", but it has none" : ", got a JSON " + v.getNodeType().name().toLowerCase()));
        }
        BigDecimal d = v.decimalValue();
        // Bounded by its text before any rescaling: 1e999999 and 1e-999999 are never expanded.
        if (!BoundedNumbers.absBelowPowerOfTen(d, MAX_ABS_DIGITS)) {
            throw invalid("score value " + EventParser.shortNumber(d) + " is not below 10^15 in magnitude");
        }
        BigDecimal canonical = BoundedNumbers.canonicalOrNull(d, MAX_SCALE);
        if (canonical == null) {
            throw invalid("score value has more than " + MAX_SCALE + " decimal places");
        }
        return canonical;
    }

    /** A non-empty storable string of at most maxLength characters; null when absent or empty. */
    private static String text(JsonNode n, String field, int maxLength) throws EventParser.Reject {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw invalid(field + " must be a string, got a JSON " + n.getNodeType().name().toLowerCase());
        }
        String s = n.textValue();
        if (s.length() > maxLength) {
            throw invalid(field + " is longer than " + maxLength + " characters");
        }
        String why = TextRules.whyNotStorable(s);
        if (why != null) {
            throw invalid(field + " " + why);
        }
        return s.isEmpty() ? null : s;
    }

    private static JsonNode present(JsonNode n) {
        return n == null || n.isNull() ? null : n;
    }

    private static EventParser.Reject invalid(String detail) {
        return new EventParser.Reject(RejectReason.INVALID_SCORE, detail);
    }
}
