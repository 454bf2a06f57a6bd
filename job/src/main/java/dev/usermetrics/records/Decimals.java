package dev.usermetrics.records;

import java.math.BigDecimal;

/**
 * The canonical form of the job's exact decimals (costs, prices, score values), in one place:
 * no trailing zeros and a scale of at least 0, so the same value is always the same decimal and
 * the same text (0.50 and 0.5 → 0.5; 1.5E+3 → 1500; 0.000 → 0). A sum's scale depends on the
 * order of its additions, and jsonb, fingerprints and comparisons of text keep whatever they are
 * given.
 *
 * <p>A positive exponent is expanded (1E+1000000 has a million digits): bound untrusted input
 * first ({@code validation.BoundedNumbers}).
 */
public final class Decimals {
    private Decimals() {}

    /** d without trailing zeros, with a scale of at least 0. */
    public static BigDecimal canonical(BigDecimal d) {
        if (d.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal stripped = d.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    /** The canonical text, {@code canonical(d).toPlainString()} (no exponent); null for null. */
    public static String text(BigDecimal d) {
        return d == null ? null : canonical(d).toPlainString();
    }
}
