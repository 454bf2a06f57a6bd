package dev.usermetrics.sink;

import dev.usermetrics.sql.PostgresLogin;
import dev.usermetrics.records.MetricsRow;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Savepoint;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of metric rows to Postgres set-based, all tables of a batch in one transaction:
 * per table, the rows are COPYed (chunks of {@link #CHUNK_ROWS}) into the session's temporary
 * staging table and applied by one INSERT … SELECT … ON CONFLICT, and the emptied keys are deleted
 * by one statement per chunk (arrays zipped by {@code unnest}). A failed batch is retried on a new
 * connection with backoff, then the task fails (the restored checkpoint writes its rows again).
 * Each batch's transaction first checks that the job still holds its claim on the schema
 * ({@link WriterClaim#check}); a batch of a writer fenced off fails at once, without retries.
 * COPY instead of the arrays for upserts: Postgres spent about 70 µs per upserted row parsing
 * and casting the arrays, over three times its cost of inserting the same rows (docs/benchmarks.md).
 *
 * <p>The statements of a batch are built on the caller's thread and executed on this sink's own
 * writer thread, one batch at a time: while Postgres applies one batch the task prepares the
 * next (they used to wait for each other, which left both half idle while a bounded run wrote its
 * final rows). A second write waits for the first; {@link #flush()} waits for the last.
 *
 * <p>Why not the JDBC connector's sink: it executes one statement per row (a JDBC batch of
 * single-row upserts), which cost about as much Postgres and driver time as the rest of the job
 * on workloads that touch many users per checkpoint (docs/benchmarks.md).
 */
public final class PostgresRowSink implements RowSink {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresRowSink.class);

    /** Rows per COPY chunk and per delete statement: bounds the text, the arrays and one statement's memory in Postgres. */
    static final int CHUNK_ROWS = 5_000;
    static final int MAX_ATTEMPTS = 6;

    private final PostgresLogin login;
    private final String schema;
    /** Each table's statements for this schema, built once. */
    private record Statements(String copyInto, String copyStage, String upsertStaged, String delete) {
        Statements(TableLayout t, String schema) {
            this(t.copyIntoSql(schema), t.copySql(), t.upsertSql(schema), t.deleteSql(schema));
        }
    }

    private final Map<TableLayout, Statements> sql = new EnumMap<>(TableLayout.class);
    /** Tables that took every row of this sink as new so far (writer thread only). */
    private final Set<TableLayout> insertOnly = EnumSet.allOf(TableLayout.class);
    private final ExecutorService writer;
    /** The epoch of this job's claim on the schema, checked by every batch (WriterClaim). */
    private final long epoch;
    private Future<?> inFlight;
    /** Used by the writer thread only (and closed by close() once that thread has stopped). */
    private volatile Connection connection;
    private final AtomicLong rowsWritten = new AtomicLong();
    private final AtomicLong batchesWritten = new AtomicLong();
    /** Time the writer thread spent in committed batches' statements (Postgres + round trips). */
    private final AtomicLong writeNanos = new AtomicLong();

    /** One step of a batch's transaction, built on the caller's thread, run on the writer's. */
    private interface Step {
        void run(Connection c, Transaction tx) throws SQLException, IOException;
    }

    /** What the steps of one attempt share: the transaction's time, read once when needed. */
    private static final class Transaction {
        private String now;

        /** now() of the transaction, as text (the updated_at of the rows it writes). */
        String now(Connection c) throws SQLException {
            if (now == null) {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT now()::text")) {
                    rs.next();
                    now = rs.getString(1);
                }
            }
            return now;
        }
    }

    /** A statement whose parameters are the text[] literal of each column. */
    private record ArrayStatement(String sql, String[] arrays) implements Step {
        @Override
        public void run(Connection c, Transaction tx) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < arrays.length; i++) {
                    ps.setString(i + 1, arrays[i]);
                }
                ps.executeUpdate();
            }
        }
    }

    /**
     * The rows of one table (chunks in COPY's text format, updated_at not yet in them). While the
     * table has taken every row as new, they are COPYed straight into it (a bounded run into a
     * fresh schema: half of Postgres's cost of an upsert); the first key that exists already
     * (unique violation) rolls that COPY back to a savepoint and switches the table to upserts
     * through the staging table for the rest of the sink's life.
     */
    private final class Upsert implements Step {
        private final TableLayout table;
        private final List<String> chunks;

        Upsert(TableLayout table, List<String> chunks) {
            this.table = table;
            this.chunks = chunks;
        }

        @Override
        public void run(Connection c, Transaction tx) throws SQLException, IOException {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            if (insertOnly.contains(table)) {
                String suffix = "\t" + tx.now(c);
                Savepoint before = c.setSavepoint();
                try {
                    for (String chunk : chunks) {
                        copy.copyIn(sql.get(table).copyInto(), new ByteArrayInputStream(copyBytes(chunk, suffix)));
                    }
                    c.releaseSavepoint(before);
                    return;
                } catch (SQLException e) {
                    if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                        throw e;
                    }
                    c.rollback(before);
                    insertOnly.remove(table);
                    LOG.info("{}.{} has rows already: its rows are upserted from now on", schema, table.tableName());
                }
            }
            for (String chunk : chunks) {
                copy.copyIn(sql.get(table).copyStage(), new ByteArrayInputStream(copyBytes(chunk, "")));
            }
            try (Statement st = c.createStatement()) {
                st.executeUpdate(sql.get(table).upsertStaged());
            }
        }
    }

    private static final String UNIQUE_VIOLATION = "23505";

    /** Claims the schema for {@code who} (on a connection of its own) and opens the sink. */
    static PostgresRowSink open(PostgresLogin login, String schema, WriterClaim.Claimant who, boolean takeOver)
            throws SQLException {
        long epoch;
        try (Connection c = login.connect()) {
            epoch = WriterClaim.claim(c, schema, who, takeOver);
        }
        return new PostgresRowSink(login, schema, epoch);
    }

    private PostgresRowSink(PostgresLogin login, String schema, long epoch) {
        this.login = login;
        this.schema = schema;
        this.epoch = epoch;
        for (TableLayout t : TableLayout.values()) {
            sql.put(t, new Statements(t, schema));
        }
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "row-writer " + schema);
            t.setDaemon(true);
            return t;
        });
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
        List<Step> statements = new ArrayList<>();
        deletes.forEach((t, list) -> prepareDeletes(statements, t, list));
        upserts.forEach((t, list) -> prepareUpserts(statements, t, list));
        flush();
        int count = rows.size();
        inFlight = writer.submit(() -> {
            commit(statements, count);
            return null;
        });
    }

    @Override
    public void flush() throws Exception {
        Future<?> f = inFlight;
        if (f == null) {
            return;
        }
        inFlight = null;
        try {
            f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** On the writer thread: the statements in one transaction, retried on a new connection. */
    private void commit(List<Step> statements, int rows) throws Exception {
        for (int attempt = 1; ; attempt++) {
            long start = System.nanoTime();
            try {
                Connection c = connection();
                Transaction tx = new Transaction();
                WriterClaim.check(c, schema, epoch); // a RefusedException is final: not retried
                for (Step step : statements) {
                    step.run(c, tx);
                }
                c.commit();
                rowsWritten.addAndGet(rows);
                batchesWritten.incrementAndGet();
                writeNanos.addAndGet(System.nanoTime() - start);
                return;
            } catch (SQLException | IOException e) {
                closeQuietly();
                if (attempt >= MAX_ATTEMPTS) {
                    throw new SQLException("writing " + rows + " rows to schema " + schema + " failed "
                            + attempt + " times; the task fails and the restored checkpoint writes them again", e);
                }
                long backoff = Math.min(10_000L, 250L << (attempt - 1));
                LOG.warn("Writing {} rows to schema {} failed (attempt {} of {}), retrying in {} ms: {}",
                        rows, schema, attempt, MAX_ATTEMPTS, backoff, e.getMessage());
                Thread.sleep(backoff);
            }
        }
    }

    /** One delete per chunk: the keys, one text[] per key column. */
    private void prepareDeletes(List<Step> out, TableLayout t, List<MetricsRow> rows) {
        int columns = t.keyCount();
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
            String[] params = new String[columns];
            for (int col = 0; col < columns; col++) {
                params[col] = arrays[col].append('}').toString();
            }
            out.add(new ArrayStatement(sql.get(t).delete(), params));
        }
    }

    /** The rows in COPY's text format, in chunks (an {@link Upsert} step). */
    private void prepareUpserts(List<Step> out, TableLayout t, List<MetricsRow> rows) {
        List<String> chunks = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += CHUNK_ROWS) {
            List<MetricsRow> chunk = rows.subList(from, Math.min(rows.size(), from + CHUNK_ROWS));
            StringBuilder b = new StringBuilder(chunk.size() * 256);
            for (MetricsRow r : chunk) {
                List<String> v = t.values(r);
                for (int col = 0; col < v.size(); col++) {
                    if (col > 0) {
                        b.append('\t');
                    }
                    appendCopyField(b, v.get(col));
                }
                b.append('\n');
            }
            chunks.add(b.toString());
        }
        out.add(new Upsert(t, chunks));
    }

    /**
     * COPY text as the UTF-8 bytes Postgres receives, with {@code suffix} (the updated_at field)
     * before every line end (fields escape their own newlines, so every '\n' ends a line). Encoded
     * here, whole: the driver's Reader variant encodes each buffer of chars on its own and turns
     * a surrogate pair split by a buffer boundary (an emoji in a user id) into "??".
     */
    static byte[] copyBytes(String text, String suffix) {
        return (suffix.isEmpty() ? text : text.replace("\n", suffix + "\n")).getBytes(StandardCharsets.UTF_8);
    }

    /** One field of COPY's text format: {@code \N} for NULL; backslash, tab, newline and CR escaped. */
    static void appendCopyField(StringBuilder b, String value) {
        if (value == null) {
            b.append("\\N");
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
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
        Connection c = connection;
        if (c == null || c.isClosed()) {
            c = login.connect();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (TableLayout t : TableLayout.values()) {
                    st.execute(t.createStageSql());
                }
            }
            c.commit();
            connection = c;
        }
        return c;
    }

    private void closeQuietly() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // broken already
            }
        }
    }

    /**
     * Stops the writer thread: normally idle here (the buffer flushes at end of input); on a
     * failing task an unfinished batch is abandoned (its transaction never commits, and the
     * restored checkpoint writes its rows again).
     */
    @Override
    public void close() throws InterruptedException {
        writer.shutdownNow();
        if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warn("Row writer for schema {} still busy after 10 s; closing its connection", schema);
        }
        closeQuietly();
        LOG.info("Row sink for schema {} closed after writing {} rows in {} batches ({} ms in Postgres statements)",
                schema, rowsWritten.get(), batchesWritten.get(), writeNanos.get() / 1_000_000);
    }
}
