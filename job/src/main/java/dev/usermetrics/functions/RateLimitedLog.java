package dev.usermetrics.functions;

import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * WARN at most {@code perInterval} times per interval; the messages held back are counted and
 * reported with the next one that gets through, so a flood of bad input cannot flood the log.
 */
final class RateLimitedLog {
    private final Logger log;
    private final int perInterval;
    private final long intervalMillis;
    private final LongSupplier clock;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    RateLimitedLog(Logger log, int perInterval, long intervalMillis, LongSupplier clock) {
        this.log = log;
        this.perInterval = perInterval;
        this.intervalMillis = intervalMillis;
        this.clock = clock;
    }

    void warn(String format, Object... args) {
        long now = clock.getAsLong();
        if (now - windowStart >= intervalMillis) {
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow >= perInterval) {
            suppressed++;
            return;
        }
        inWindow++;
        if (suppressed > 0) {
            log.warn("({} similar warnings suppressed)", suppressed);
            suppressed = 0;
        }
        log.warn(format, args);
    }
}
