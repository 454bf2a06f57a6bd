package dev.usermetrics.sink;

import dev.usermetrics.sql.PostgresLogin;
import dev.usermetrics.sql.SqlIdentifiers;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes {@code rejected_events} rows older than the retention period (--rejected.retention):
 * their {@code raw} column holds the beginning of records that may carry prompts and personal
 * data, which should not be kept forever. Run by one subtask of the rejected-events sink after
 * its flushes (checkpoints and the end of input), at most once per {@link #interval()}; a failure
 * is logged and tried again at the next one (housekeeping never fails the job).
 */
public final class RejectedRetention implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RejectedRetention.class);

    /** The longest time between two deletions. */
    static final Duration MAX_INTERVAL = Duration.ofHours(1);

    private final PostgresLogin login;
    private final String schema;
    private final Duration retention;
    private transient long nextRunMillis;

    /** retention: how long a rejected event is kept (zero: forever). */
    RejectedRetention(PostgresLogin login, String schema, Duration retention) {
        this.login = login;
        this.schema = schema;
        this.retention = retention;
    }

    /** Between two deletions: a tenth of the retention, at most an hour (rows live at most 10 % longer). */
    Duration interval() {
        Duration tenth = retention.dividedBy(10);
        return tenth.compareTo(MAX_INTERVAL) < 0 ? tenth : MAX_INTERVAL;
    }

    /** Deletes the expired rows if the last deletion is at least {@link #interval()} ago. */
    void maybeDelete(long nowMillis) {
        if (retention.isZero() || nowMillis < nextRunMillis) {
            return;
        }
        nextRunMillis = nowMillis + interval().toMillis();
        try (Connection c = login.connect();
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + SqlIdentifiers.quote(schema)
                        + ".rejected_events WHERE received_at < now() - make_interval(secs => ?)")) {
            ps.setDouble(1, retention.toMillis() / 1000.0);
            int deleted = ps.executeUpdate();
            if (deleted > 0) {
                LOG.info("Deleted {} rejected events older than {} from {}.rejected_events (--rejected.retention)",
                        deleted, retention, schema);
            }
        } catch (SQLException e) {
            LOG.warn("Deleting expired rejected events from {}.rejected_events failed, tried again in {}: {}",
                    schema, interval(), e.getMessage());
        }
    }
}
