package dev.usermetrics.sql;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read of a table snapshot (the model prices, the budgets) from the sink schema per call:
 * the generator of the official data generator source (checkpointed, rate limited), called once
 * per poll interval. Polling the table keeps one source of truth (the table operators edit) with
 * no extra infrastructure; an edit is picked up within one interval, and the stage that keeps the
 * snapshot skips one whose fingerprint it already has. A failed read after a good one repeats
 * the last good snapshot (same fingerprint: nothing changes) and logs a warning; a failure before
 * any good read fails the task, like the sinks would without their database.
 */
public final class SnapshotPoll<T extends SnapshotPoll.Snapshot> implements GeneratorFunction<Long, T> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPoll.class);

    /** What a poll returns: its content's fingerprint ({@link Fingerprint}). */
    public interface Snapshot {
        String fingerprint();
    }

    /** Reads the snapshot of a schema (the schema name is not quoted yet). */
    @FunctionalInterface
    public interface Reader<T> extends Serializable {
        T read(Connection c, String schema) throws SQLException;
    }

    private final PostgresLogin login;
    private final String schema;
    private final String what;
    private final Reader<T> reader;
    private transient Connection connection;
    private transient T lastGood;

    /** what: the snapshot's name in log lines ("model prices"). */
    public SnapshotPoll(PostgresLogin login, String schema, String what, Reader<T> reader) {
        this.login = login;
        this.schema = schema;
        this.what = what;
        this.reader = reader;
    }

    /**
     * The source of the snapshots.
     *
     * @param once one read and done: for bounded runs, which must end (the stages apply a
     *             snapshot to whatever they hold when it arrives, so the end result is the same)
     */
    public static <T extends Snapshot> DataGeneratorSource<T> source(SnapshotPoll<T> poll, Duration interval, boolean once,
            Class<T> type) {
        // One read: no rate limit, which would hold the finished source (and a bounded job's end)
        // for up to two poll intervals.
        return new DataGeneratorSource<>(poll, once ? 1 : Long.MAX_VALUE,
                once ? RateLimiterStrategy.noOp() : RateLimiterStrategy.perSecond(1000.0 / Math.max(1, interval.toMillis())),
                TypeInformation.of(type));
    }

    @Override
    public T map(Long poll) throws Exception {
        try {
            if (connection == null || !connection.isValid(5)) {
                closeQuietly();
                connection = login.connect();
                connection.setReadOnly(true);
            }
            T s = reader.read(connection, schema);
            if (lastGood == null || !lastGood.fingerprint().equals(s.fingerprint())) {
                LOG.info("The {} read from schema \"{}\": {}", what, schema, s);
            }
            lastGood = s;
            return s;
        } catch (SQLException e) {
            closeQuietly();
            if (lastGood == null) {
                throw new SQLException("cannot read the " + what + " of schema \"" + schema + "\" at " + login.maskedUrl(), e);
            }
            LOG.warn("Reading the {} of schema \"{}\" failed ({}); keeping the last ones read", what, schema, e.toString());
            return lastGood;
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }
}
