package dev.usermetrics.sink;

import dev.usermetrics.records.MetricsRow;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of metric rows to Postgres set-based: per table, one upsert of up to
 * {@link #CHUNK_ROWS} rows and one delete of the emptied keys (arrays zipped by {@code unnest}),
 * all tables of a batch in one transaction. A failed batch is retried on a new connection with
 * backoff, then the task fails (the restored checkpoint writes its rows again).
 *
 * <p>Why not the JDBC connector's sink: it executes one statement per row (a JDBC batch of
 * single-row upserts), which cost about as much Postgres and driver time as the rest of the job
 * on workloads that touch many users per checkpoint (docs/benchmarks.md).
 */
public final class PostgresRowSink implements RowSink {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresRowSink.class);

    /** Rows per statement: bounds the arrays (and the memory of one statement in Postgres). */
    static final int CHUNK_ROWS = 5_000;
    static final int MAX_ATTEMPTS = 6;

    private final String url;
    private final String user;
    private final String password;
    private final String schema;
    private final Map<TableLayout, String[]> sql = new EnumMap<>(TableLayout.class);
    private Connection connection;
    private long rowsWritten;

    PostgresRowSink(String url, String user, String password, String schema) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
        for (TableLayout t : TableLayout.values()) {
            sql.put(t, new String[] {t.upsertSql(schema), t.deleteSql(schema)});
        }
    }

    @Override
    public void write(Collection<MetricsRow> rows) throws Exception {
        if (rows.isEmpty()) {
            return;
        }
        Map<TableLayout, List<MetricsRow>> upserts = new EnumMap<>(TableLayout.class);
        Map<TableLayout, List<MetricsRow>> deletes = new EnumMap<>(TableLayout.class);
        for (MetricsRow r : rows) {
            (r.isDelete() ? deletes : upserts).computeIfAbsent(TableLayout.of(r.table), t -> new ArrayList<>()).add(r);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                Connection c = connection();
                for (Map.Entry<TableLayout, List<MetricsRow>> e : deletes.entrySet()) {
                    execute(c, sql.get(e.getKey())[1], e.getKey(), e.getValue(), e.getKey().keyCount());
                }
                for (Map.Entry<TableLayout, List<MetricsRow>> e : upserts.entrySet()) {
                    execute(c, sql.get(e.getKey())[0], e.getKey(), e.getValue(), e.getKey().columns().size());
                }
                c.commit();
                rowsWritten += rows.size();
                return;
            } catch (SQLException e) {
                closeQuietly();
                if (attempt >= MAX_ATTEMPTS) {
                    throw new SQLException("writing " + rows.size() + " rows to schema " + schema + " failed "
                            + attempt + " times; the task fails and the restored checkpoint writes them again", e);
                }
                long backoff = Math.min(10_000L, 250L << (attempt - 1));
                LOG.warn("Writing {} rows to schema {} failed (attempt {} of {}), retrying in {} ms: {}",
                        rows.size(), schema, attempt, MAX_ATTEMPTS, backoff, e.getMessage());
                Thread.sleep(backoff);
            }
        }
    }

    /** One statement per chunk; columns: the first {@code columns} of the layout, one text[] each. */
    private static void execute(Connection c, String statement, TableLayout t, List<MetricsRow> rows, int columns)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(statement)) {
            for (int from = 0; from < rows.size(); from += CHUNK_ROWS) {
                List<MetricsRow> chunk = rows.subList(from, Math.min(rows.size(), from + CHUNK_ROWS));
                StringBuilder[] arrays = new StringBuilder[columns];
                for (int col = 0; col < columns; col++) {
                    arrays[col] = new StringBuilder(chunk.size() * 16).append('{');
                }
                for (int i = 0; i < chunk.size(); i++) {
                    List<String> v = t.values(chunk.get(i));
                    for (int col = 0; col < columns; col++) {
                        appendElement(arrays[col], v.get(col), i > 0);
                    }
                }
                for (int col = 0; col < columns; col++) {
                    ps.setString(col + 1, arrays[col].append('}').toString());
                }
                ps.executeUpdate();
            }
        }
    }

    /**
     * One element of a Postgres array literal: NULL, or the text double-quoted with {@code "} and
     * {@code \} escaped. Built by hand: the driver's createArrayOf encoding (a growing byte
     * buffer per array) was a third of this operator's time.
     */
    static void appendElement(StringBuilder b, String value, boolean comma) {
        if (comma) {
            b.append(',');
        }
        if (value == null) {
            b.append("NULL");
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = DriverManager.getConnection(url, user, password);
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // broken already
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeQuietly();
        LOG.info("Row sink for schema {} closed after writing {} rows", schema, rowsWritten);
    }
}
