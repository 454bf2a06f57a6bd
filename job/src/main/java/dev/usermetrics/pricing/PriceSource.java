package dev.usermetrics.pricing;

import dev.usermetrics.sql.PostgresLogin;
import dev.usermetrics.sql.SnapshotPoll;
import java.time.Duration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;

/**
 * The source of model price updates: the sink schema's {@code models} and {@code model_prices}
 * tables, read once per poll interval ({@link SnapshotPoll}); the trace stage re-prices only when
 * the content changed.
 */
public final class PriceSource {
    private PriceSource() {}

    /** once: one read and done (bounded runs; the trace stage re-prices whatever it processed before the read arrived). */
    public static DataGeneratorSource<PriceSnapshot> polling(PostgresLogin login, String schema,
            Duration interval, boolean once) {
        return SnapshotPoll.source(new SnapshotPoll<>(login, schema, "model prices", PriceBookReader::readSnapshot),
                interval, once, PriceSnapshot.class);
    }
}
