package dev.usermetrics.validation;

/** What a string must be to be stored in a Postgres text column. */
public final class TextRules {

    private TextRules() {}

    /**
     * Returns why Postgres cannot store {@code s} (it rejects U+0000, and an unpaired surrogate
     * has no UTF-8 encoding), or null when it can.
     */
    public static String whyNotStorable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u0000') {
                return "contains U+0000 at index " + i;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "contains an unpaired surrogate at index " + i;
            }
            if (Character.isLowSurrogate(c)) {
                return "contains an unpaired surrogate at index " + i;
            }
        }
        return null;
    }

    /** A storable, length-limited copy of arbitrary text, for diagnostics (rejected_events.raw). */
    public static String storablePrefix(String s, int maxChars) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), maxChars));
        for (int i = 0; i < s.length() && b.length() < maxChars; i++) {
            char c = s.charAt(i);
            if (c == '\u0000') {
                b.append("\\u0000");
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                b.append('\uFFFD');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
