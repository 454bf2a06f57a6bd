package dev.usermetrics.validation;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** ISO-8601 timestamps (with Z or an offset) as epoch nanoseconds, the job's time unit. */
public final class Timestamps {

    private Timestamps() {}

    /**
     * Accepted timestamps lie in [1970, 2100): anything else is a client clock or encoding bug,
     * and would open buckets decades away. A fixed window (not "now ± x") keeps a replay's
     * verdicts the same as the live run's.
     */
    public static final Instant MIN = Instant.parse("1970-01-01T00:00:00Z");
    public static final Instant MAX = Instant.parse("2100-01-01T00:00:00Z");

    /** Builds the exception to throw for an unusable timestamp. */
    @FunctionalInterface
    public interface Failure<E extends Exception> {
        E create(String field, String why);
    }

    public static <E extends Exception> long parseNanos(String text, String field, Failure<E> failure) throws E {
        long fast = parseCommonForm(text);
        if (fast == OUT_OF_RANGE) {
            throw failure.create(field, field + " is outside the years 1970..2099: " + TextRules.storablePrefix(text, 60));
        }
        if (fast != NOT_COMMON) {
            return fast;
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw failure.create(field, field + " is not an ISO-8601 timestamp with Z or an offset: "
                    + TextRules.storablePrefix(text, 60));
        }
        if (instant.isBefore(MIN) || !instant.isBefore(MAX)) {
            throw failure.create(field, field + " is outside the years 1970..2099: " + TextRules.storablePrefix(text, 60));
        }
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano(); // no overflow within [MIN, MAX)
    }

    static final long NOT_COMMON = Long.MIN_VALUE;
    static final long OUT_OF_RANGE = Long.MIN_VALUE + 1;

    /**
     * The form every SDK sends — {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)}, upper-case T and
     * Z — read by hand, as epoch nanos ({@link #OUT_OF_RANGE} outside [MIN, MAX)); {@link #NOT_COMMON}
     * for anything else (then the full ISO
     * formatter decides, so what is accepted does not change). Why: {@code OffsetDateTime.parse}
     * was a third of the parse stage's time. {@code TimestampsTest} compares both on many inputs.
     */
    static long parseCommonForm(String s) {
        int n = s.length();
        if (n < 20 || n > 35 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return NOT_COMMON;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return NOT_COMMON;
        }
        int i = 19;
        long nanos = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 9 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                nanos = nanos * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == start) {
                return NOT_COMMON;
            }
            for (int k = i - start; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || om < 0 || om > 59 || oh > 18 || (oh == 18 && om > 0)) {
                return NOT_COMMON;
            }
            offsetSeconds = (s.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return NOT_COMMON;
        }
        long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
        long seconds = epochDay * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        if (seconds < MIN.getEpochSecond() || seconds >= MAX.getEpochSecond()) {
            return OUT_OF_RANGE;
        }
        return seconds * 1_000_000_000L + nanos; // within [MIN, MAX): no overflow
    }

    /** The non-negative number of {@code len} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    public static Instant toInstant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    public static long hourStartMillis(long nanos) {
        return Math.floorDiv(nanos, 3_600_000_000_000L) * 3_600_000L;
    }

    public static long dayStartMillis(long hourStartMillis) {
        return Math.floorDiv(hourStartMillis, 86_400_000L) * 86_400_000L;
    }
}
