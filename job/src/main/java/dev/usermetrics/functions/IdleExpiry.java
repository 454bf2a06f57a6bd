package dev.usermetrics.functions;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.streaming.api.TimerService;

/**
 * Expiry of a key's state after it has been idle for {@code ttl} (processing time), with one
 * processing-time timer per key and interval. Used instead of Flink's StateTtlConfig because a
 * trace's state spans three states that must go together (a trace must never lose one
 * observation and keep the rest), and because adding StateTtlConfig to existing state is not
 * savepoint-compatible. Timer times are rounded up to a tenth of the TTL, so a key with many
 * events registers few distinct timers (Flink keeps one per key and time).
 */
public final class IdleExpiry implements Serializable {
    private final long ttlMillis;
    private final long granularityMillis;

    /** A zero TTL keeps state forever. */
    public IdleExpiry(Duration ttl) {
        this.ttlMillis = ttl.toMillis();
        this.granularityMillis = Math.max(1, ttlMillis / 10);
    }

    public static IdleExpiry never() {
        return new IdleExpiry(Duration.ZERO);
    }

    public boolean enabled() {
        return ttlMillis > 0;
    }

    /**
     * Records activity now for state that expires at {@code current} (0: new state): returns the
     * new expiry time (0 when expiry is off) and makes sure a timer fires at it. A timer already
     * exists at {@code current} (this method registered it), so an unchanged time registers
     * nothing: with RocksDB every registration is a state access.
     */
    public long touch(TimerService timers, long current) {
        if (!enabled()) {
            return 0;
        }
        long due = timers.currentProcessingTime() + ttlMillis;
        long at = (due + granularityMillis - 1) / granularityMillis * granularityMillis;
        if (at != current) {
            timers.registerProcessingTimeTimer(at);
        }
        return at;
    }

    /** True when a timer firing at {@code timerMillis} ends state whose expiry time is {@code expiresAt}. */
    public static boolean isDue(long timerMillis, long expiresAt) {
        return expiresAt > 0 && timerMillis >= expiresAt;
    }
}
