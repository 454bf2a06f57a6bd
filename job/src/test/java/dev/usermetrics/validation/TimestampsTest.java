package dev.usermetrics.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written fast path decides exactly like the ISO formatter it stands in for. */
class TimestampsTest {

    /** What the formatter path makes of a text: epoch nanos, "range" or "invalid". */
    private static String reference(String text) {
        Instant i;
        try {
            i = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return "invalid";
        }
        if (i.isBefore(Timestamps.MIN) || !i.isBefore(Timestamps.MAX)) {
            return "range";
        }
        return Long.toString(i.getEpochSecond() * 1_000_000_000L + i.getNano());
    }

    private static String actual(String text) {
        try {
            return Long.toString(Timestamps.parseNanos(text, "t", (f, why) -> new IllegalArgumentException(why)));
        } catch (IllegalArgumentException e) {
            return e.getMessage().contains("outside the years") ? "range" : "invalid";
        }
    }

    @Test
    void agreesWithTheIsoFormatter() {
        List<String> cases = new ArrayList<>(List.of(
                "2026-03-01T10:00:00Z", "2026-03-01T10:00:00.1Z", "2026-03-01T10:00:00.123456789Z",
                "2026-03-01T10:00:00.1234567891Z", "2026-03-01T10:00:00.Z", "2026-03-01T10:00:00+02:00",
                "2026-03-01T10:00:00.5-05:30", "2026-03-01T10:00:00+18:00", "2026-03-01T10:00:00+18:01",
                "2026-03-01T10:00:00+19:00", "2026-03-01T10:00:00-00:00", "2026-03-01T10:00Z", "2026-03-01t10:00:00z",
                "2026-02-29T10:00:00Z", "2024-02-29T10:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
                "2026-00-01T00:00:00Z", "2026-03-00T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T23:60:00Z",
                "2026-03-01T23:59:60Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z", "2099-12-31T23:59:59.999999999Z",
                "2100-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "2026-03-01T10:00:00+02:00:30",
                "2026-03-01T10:00:00+0200", "2026-03-01T10:00:00 Z", "２０２６-03-01T10:00:00Z", "2026-03-01T10:00:00",
                "2026-03-01 10:00:00Z", "+2026-03-01T10:00:00Z", "2026-3-01T10:00:00Z", "2026-03-01T10:00:00ZZ",
                "1970-01-01T00:00:00+01:00", "2099-12-31T23:00:00-01:00"));
        Random r = new Random(9);
        for (int k = 0; k < 20_000; k++) {
            // Random near-valid texts: each field sometimes out of range, optional fraction and offset.
            String t = String.format("%04d-%02d-%02dT%02d:%02d:%02d", 1960 + r.nextInt(150), r.nextInt(14), r.nextInt(33),
                    r.nextInt(26), r.nextInt(62), r.nextInt(62));
            if (r.nextBoolean()) {
                t += "." + Long.toString(Math.abs(r.nextLong())).substring(0, 1 + r.nextInt(10));
            }
            t += switch (r.nextInt(4)) {
                case 0 -> "Z";
                case 1 -> String.format("+%02d:%02d", r.nextInt(20), r.nextInt(61));
                case 2 -> String.format("-%02d:%02d", r.nextInt(20), r.nextInt(61));
                default -> r.nextBoolean() ? "z" : "";
            };
            cases.add(t);
        }
        for (String c : cases) {
            assertThat(actual(c)).as(c).isEqualTo(reference(c));
        }
    }
}
