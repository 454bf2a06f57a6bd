package dev.usermetrics.validation;

import dev.usermetrics.records.Decimals;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Exact numbers of untrusted input, judged by their textual form before any arbitrary-precision
 * arithmetic.
 *
 * <p>Why: a number's digits are bounded by Jackson ({@link #MAX_NUMBER_CHARS}), but its exponent
 * is not — {@code 1e10000000} is 10 characters, and expanding it (to an integer, a plain string,
 * a rescaled decimal) costs seconds to minutes of CPU. Every check here reads only the
 * precision and the scale (both cheap for at most 1,000 digits), so its cost is bounded by the
 * number's length. Callers compare with their limit through {@link #exponent} first, and only
 * then compute exactly.
 */
public final class BoundedNumbers {

    /**
     * Longest number text accepted (digits, sign, point and exponent). Jackson enforces the same
     * default for JSON numbers; text parsed into numbers elsewhere (OTLP attributes) is held to it
     * before {@code new BigDecimal}.
     */
    public static final int MAX_NUMBER_CHARS = 1000;

    private BoundedNumbers() {}

    /**
     * floor(log10(|d|)) of a non-zero d — its decimal exponent in scientific notation — from
     * precision and scale only. {@code 1e10000000} → 10000000, {@code 0.05} → -2.
     */
    public static long exponent(BigDecimal d) {
        return (long) d.precision() - d.scale() - 1;
    }

    /** Whether |d| &lt; 10^power, without expanding d. */
    public static boolean absBelowPowerOfTen(BigDecimal d, int power) {
        return d.signum() == 0 || exponent(d) < power;
    }

    /**
     * d as an exact integer when it is one and |d| &lt; 10^maxDigits, else null — never expands
     * an exponent beyond maxDigits. {@code 1e-10000000} is not an integer; {@code 1.0e2} is 100.
     */
    public static BigInteger integerOrNull(BigDecimal d, int maxDigits) {
        if (d.signum() == 0) {
            return BigInteger.ZERO;
        }
        if (!absBelowPowerOfTen(d, maxDigits)) {
            return null;
        }
        // |d| < 10^maxDigits; a positive scale is at most precision + maxDigits, so stripping costs
        // at most the number's own digits.
        BigDecimal stripped = d.scale() > 0 ? d.stripTrailingZeros() : d;
        return stripped.scale() > 0 ? null : stripped.toBigIntegerExact();
    }

    /**
     * d in the canonical form the job keeps ({@link Decimals#canonical}: no trailing zeros, scale
     * at least 0), or null when it has more than maxScale decimal places. Call only after bounding
     * |d| from above (a large exponent would be expanded by {@code setScale(0)}).
     */
    public static BigDecimal canonicalOrNull(BigDecimal d, int maxScale) {
        if (d.signum() == 0) {
            return BigDecimal.ZERO;
        }
        // A number whose exponent is below -maxScale has more than maxScale places whatever its
        // digits: rejected before stripping a scale of millions.
        if (exponent(d) < -maxScale) {
            return null;
        }
        BigDecimal canonical = Decimals.canonical(d);
        return canonical.scale() > maxScale ? null : canonical;
    }

    /** A number read from text (e.g. an OTLP attribute), or null when it is not one or too long. */
    public static BigDecimal parseOrNull(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.length() > MAX_NUMBER_CHARS) {
            return null;
        }
        try {
            return new BigDecimal(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
