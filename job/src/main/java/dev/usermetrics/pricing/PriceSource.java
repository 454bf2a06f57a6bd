package dev.usermetrics.pricing;

import dev.usermetrics.sql.PostgresLogin;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;

/**
 * The source of model price updates: the official data generator source (checkpointed, rate
 * limited) whose generator reads the sink schema's {@code models} and {@code model_prices} tables,
 * once per poll interval; the trace stage re-prices only when the content changed. Polling the
 * table keeps one source of truth (the table bin/load-model-prices and operators edit) with no
 * extra infrastructure; an edit is picked up within one interval.
 */
public final class PriceSource {
    private PriceSource() {}

    /**
     * @param once one read and done: for bounded runs, which must end (the trace stage re-prices
     *             whatever it processed before the read arrived, so the end result is the same)
     */
    public static DataGeneratorSource<PriceSnapshot> polling(PostgresLogin login, String schema,
            Duration interval, boolean once) {
        // One read: no rate limit, which would hold the finished source (and a bounded job's end)
        // for up to two poll intervals.
        return new DataGeneratorSource<>(new PricePoll(login, schema), once ? 1 : Long.MAX_VALUE,
                once ? RateLimiterStrategy.noOp() : RateLimiterStrategy.perSecond(1000.0 / Math.max(1, interval.toMillis())),
                TypeInformation.of(PriceSnapshot.class));
    }
}
