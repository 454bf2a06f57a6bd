package dev.usermetrics.sink;

import dev.usermetrics.sql.PostgresLogin;
import dev.usermetrics.sql.SqlIdentifiers;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes rows older than a retention period from tables that grow with the traffic:
 * {@code rejected_events} (--rejected.retention: its {@code raw} column holds the beginning of
 * records that may carry prompts and personal data) and the user page's lists {@code user_traces}
 * and {@code user_trace_scores} (--lists.retention, default: keep). Age is wall-clock time minus
 * the row's time column. Run by one subtask of the writing sink after its writes, at most once per
 * {@link #interval()}; a failure is logged and tried again at the next one (housekeeping never
 * fails the job).
 */
public final class TableRetention implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TableRetention.class);

    /** The longest time between two deletions. */
    static final Duration MAX_INTERVAL = Duration.ofHours(1);

    /** A table and the column that dates its rows. */
    record Dated(String table, String timeColumn) implements Serializable {}

    private final PostgresLogin login;
    private final String schema;
    private final Duration retention;
    private final String option;
    private final List<Dated> tables;
    private transient long nextRunMillis;

    private TableRetention(PostgresLogin login, String schema, Duration retention, String option, List<Dated> tables) {
        this.login = login;
        this.schema = schema;
        this.retention = retention;
        this.option = option;
        this.tables = tables;
    }

    /** rejected_events by received_at (zero: forever). */
    static TableRetention rejected(PostgresLogin login, String schema, Duration retention) {
        return new TableRetention(login, schema, retention, "--rejected.retention",
                List.of(new Dated("rejected_events", "received_at")));
    }

    /** The user page's lists by the trace's and the score's time (zero: forever). */
    public static TableRetention lists(PostgresLogin login, String schema, Duration retention) {
        return new TableRetention(login, schema, retention, "--lists.retention",
                List.of(new Dated("user_traces", "trace_time"), new Dated("user_trace_scores", "score_time")));
    }

    /** Between two deletions: a tenth of the retention, at most an hour (rows live at most 10 % longer). */
    Duration interval() {
        Duration tenth = retention.dividedBy(10);
        return tenth.compareTo(MAX_INTERVAL) < 0 ? tenth : MAX_INTERVAL;
    }

    /** Deletes the expired rows if the last deletion is at least {@link #interval()} ago. */
    public void maybeDelete(long nowMillis) {
        if (retention.isZero() || nowMillis < nextRunMillis) {
            return;
        }
        nextRunMillis = nowMillis + interval().toMillis();
        for (Dated t : tables) {
            try (Connection c = login.connect();
                    PreparedStatement ps = c.prepareStatement("DELETE FROM " + SqlIdentifiers.quote(schema) + "." + t.table()
                            + " WHERE " + t.timeColumn() + " < now() - make_interval(secs => ?)")) {
                ps.setDouble(1, retention.toMillis() / 1000.0);
                int deleted = ps.executeUpdate();
                if (deleted > 0) {
                    LOG.info("Deleted {} rows older than {} from {}.{} ({})", deleted, retention, schema, t.table(), option);
                }
            } catch (SQLException e) {
                LOG.warn("Deleting expired rows from {}.{} ({}) failed, tried again in {}: {}",
                        schema, t.table(), option, interval(), e.getMessage());
            }
        }
    }
}
