package dev.usermetrics.pricing;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One model price definition (a row of the {@code models} table with its prices): which models
 * it matches, for which project (null: every project), from when, and the price per unit of each
 * usage key (e.g. input, output, input_cached_tokens, total), as exact decimals.
 *
 * @param id            the definition's id (ties between equal definitions are broken by it)
 * @param projectId     the project it applies to, or null for a global definition
 * @param modelName     a display name (what unmatched_models and the docs call the model)
 * @param matchPattern  a regular expression searched in the observation's model, case-insensitive
 *                      (like Postgres' {@code ~*}; Langfuse's patterns are anchored, e.g. {@code ^gpt-4o$})
 * @param startNanos    prices valid from this time (epoch nanos), or null: always
 * @param unit          what one unit of usage is (e.g. TOKENS); informational
 * @param prices        usage key → price per unit
 */
public record ModelPrice(String id, String projectId, String modelName, Pattern matchPattern, Long startNanos,
        String unit, Map<String, BigDecimal> prices) {

    public ModelPrice {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(matchPattern, "matchPattern");
        prices = Map.copyOf(prices);
    }

    /** Compiles {@code regex} the way every definition is matched: case-insensitive search. */
    public static Pattern pattern(String regex) {
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    /**
     * True when this definition can price an observation of {@code projectId} at {@code timeNanos}
     * whose model its pattern matches (PriceBook matches and caches the patterns per model).
     */
    boolean appliesTo(String projectId, long timeNanos) {
        return (this.projectId == null || this.projectId.equals(projectId))
                && (startNanos == null || startNanos <= timeNanos);
    }
}
