package dev.usermetrics.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Langfuse's environment rules, in one place: the value is lower-cased and must then be 1..40
 * characters of {@code [a-z0-9-_]} not starting with "langfuse"; anything else becomes
 * {@value #DEFAULT} (with a warning). An absent environment means "not said" and does not
 * overwrite an earlier one; a trace that never says one is in {@value #DEFAULT}.
 */
public final class EnvironmentRules {

    public static final String DEFAULT = "default";
    public static final int MAX_LENGTH = 40;
    private static final Pattern ALLOWED = Pattern.compile("[a-z0-9_-]+");

    private EnvironmentRules() {}

    /** The environment to apply (null when absent) and, when replaced, why. */
    public record Result(String environment, ParseOutcome.FieldFix fix) {}

    private static final Result ABSENT = new Result(null, null);

    public static Result check(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return ABSENT;
        }
        if (!node.isTextual()) {
            return defaulted("environment is a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT) + ", not a string");
        }
        String env = node.textValue().toLowerCase(Locale.ROOT);
        if (env.isEmpty()) {
            return ABSENT;
        }
        if (env.length() > MAX_LENGTH) {
            return defaulted("environment has " + env.length() + " characters, more than " + MAX_LENGTH);
        }
        if (!ALLOWED.matcher(env).matches()) {
            return defaulted("environment " + quoted(env) + " has characters outside [a-z0-9-_]");
        }
        if (env.startsWith("langfuse")) {
            return defaulted("environment " + quoted(env) + " starts with the reserved prefix \"langfuse\"");
        }
        return new Result(env, null);
    }

    private static Result defaulted(String detail) {
        return new Result(DEFAULT, new ParseOutcome.FieldFix(RejectReason.INVALID_ENVIRONMENT, detail + "; using \"" + DEFAULT + "\""));
    }

    private static String quoted(String s) {
        return "\"" + TextRules.storablePrefix(s, MAX_LENGTH + 10) + "\"";
    }
}
