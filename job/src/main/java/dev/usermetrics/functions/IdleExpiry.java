package dev.usermetrics.functions;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.streaming.api.TimerService;

/**
 * Expiry of a key's state after it has been idle for {@code ttl} in data time: the Kafka time of
 * the records read ({@link DataClock}), so a job that was stopped, or is replaying a backlog,
 * expires a trace only once it has read past the trace's last event by the TTL — never because
 * the wall clock moved on while the trace's next events sat unread in Kafka. One event-time timer
 * per key and interval. Used instead of Flink's StateTtlConfig because a trace's state spans three
 * states that must go together (a trace must never lose one observation and keep the rest),
 * because StateTtlConfig runs on processing time, and because adding it to existing state is not
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
     * Records activity at data time {@code activityMillis} for state that expires at
     * {@code current} (0: new state): returns the new expiry time (0 when expiry is off) and makes
     * sure an event-time timer fires at it. Expiry never moves back (an event older than the
     * trace's latest is activity at the latest). A timer already exists at {@code current} (this
     * method registered it), so an unchanged time registers nothing: with RocksDB every
     * registration is a state access.
     */
    public long touch(TimerService timers, long current, long activityMillis) {
        if (!enabled()) {
            return 0;
        }
        long due = activityMillis > Long.MAX_VALUE - ttlMillis - granularityMillis
                ? Long.MAX_VALUE - granularityMillis : activityMillis + ttlMillis;
        long at = Math.max(current, (due + granularityMillis - 1) / granularityMillis * granularityMillis);
        if (at != current) {
            timers.registerEventTimeTimer(at);
        }
        return at;
    }

    /** True when a timer firing at {@code timerMillis} ends state whose expiry time is {@code expiresAt}. */
    public static boolean isDue(long timerMillis, long expiresAt) {
        return expiresAt > 0 && timerMillis >= expiresAt;
    }
}
