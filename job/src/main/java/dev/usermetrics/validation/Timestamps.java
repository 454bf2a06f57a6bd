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
