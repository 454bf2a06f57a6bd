package dev.usermetrics.pricing;

import dev.usermetrics.sql.PostgresLogin;
import java.sql.Connection;
import java.sql.SQLException;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read of every model price definition from the sink schema per call (the generator of
 * {@link PriceSource}: called once per poll interval). A failed read after a good one repeats the
 * last good snapshot (same fingerprint: nothing is re-priced) and logs a warning; a failure before
 * any good read fails the task, like the sinks would without their database.
 */
final class PricePoll implements GeneratorFunction<Long, PriceSnapshot> {
    private static final Logger LOG = LoggerFactory.getLogger(PricePoll.class);

    private final PostgresLogin login;
    private final String schema;
    private transient Connection connection;
    private transient PriceSnapshot lastGood;

    PricePoll(PostgresLogin login, String schema) {
        this.login = login;
        this.schema = schema;
    }

    @Override
    public PriceSnapshot map(Long poll) throws Exception {
        try {
            if (connection == null || !connection.isValid(5)) {
                closeQuietly();
                connection = login.connect();
                connection.setReadOnly(true);
            }
            PriceSnapshot s = PriceBookReader.readSnapshot(connection, schema);
            if (lastGood == null || !lastGood.fingerprint.equals(s.fingerprint)) {
                LOG.info("Model prices read from schema \"{}\": {}", schema, s);
            }
            lastGood = s;
            return s;
        } catch (SQLException e) {
            closeQuietly();
            if (lastGood == null) {
                throw new SQLException("cannot read the model prices of schema \"" + schema + "\" at " + login.maskedUrl(), e);
            }
            LOG.warn("Reading the model prices of schema \"{}\" failed ({}); keeping the last ones read", schema, e.toString());
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
