package dev.usermetrics.sink;

import dev.usermetrics.sql.SqlIdentifiers;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per schema (table {@code writer_claim}, V8): the metric tables hold absolute totals
 * that only the writing job's state can reproduce, so a second job writing them, or a job started
 * without state into a schema that already has rows, would silently overwrite exact values. The
 * rules, decided in one place ({@link #claim}), when the row writers open:
 * <ul>
 *   <li>unclaimed schema: claimed, unless the job starts without state and the metric tables
 *       already hold rows (refused: its totals would replace theirs);</li>
 *   <li>claimed by this Flink job (another subtask, or a restart after a failure): carries on;</li>
 *   <li>claimed by an earlier job of the same lineage (this job was restored from that job's
 *       checkpoints or savepoints: an upgrade, a rescale, a resubmission): claimed with a new
 *       epoch on this job's first attempt, and the earlier job, if it still runs, is fenced off
 *       (its next batch fails); on a later attempt this job was itself superseded: refused;</li>
 *   <li>claimed by another lineage: refused.</li>
 * </ul>
 * {@code --sink.take-over} claims on the job's first attempt whatever holds the schema (a
 * deliberate rewrite; the holder is fenced off). A refusal is final: it must not restart-loop.
 * Every batch of metric rows checks its epoch ({@link #check}) in its own transaction under a
 * share lock on the claim row, so a batch commits only while its job holds the claim.
 */
public final class WriterClaim {
    private static final Logger LOG = LoggerFactory.getLogger(WriterClaim.class);

    private WriterClaim() {}

    /**
     * Who is claiming. lineage: from the job's restored state (null: started without state, or
     * restored from a version without it); jobId: this Flink job; firstAttempt: the job's first
     * attempt at this task (no failure since it was submitted).
     */
    public record Claimant(String lineage, boolean restored, String jobId, boolean firstAttempt) implements Serializable {
        /** The lineage this job writes as: the restored one, or its own job id when it starts one. */
        public String effectiveLineage() {
            return lineage != null ? lineage : jobId;
        }
    }

    /** The claim did not go to this job, or it lost it: a clear, final reason. */
    public static final class RefusedException extends RuntimeException {
        public RefusedException(String message) {
            super(message);
        }
    }

    /** Claims {@code schema} for {@code who} (rules above) and returns the epoch its batches check. */
    public static long claim(Connection c, String schema, Claimant who, boolean takeOver) throws SQLException {
        String q = SqlIdentifiers.quote(schema);
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            // Serializes the claims of this job's subtasks (and of other jobs): the row may not exist yet.
            st.execute("LOCK TABLE " + q + ".writer_claim IN SHARE ROW EXCLUSIVE MODE");
            Held held = read(st, q);
            String lineage = who.effectiveLineage();
            long epoch;
            String how;
            if (held != null && held.jobId.equals(who.jobId)) {
                c.commit();
                return held.epoch; // this job holds it (another subtask claimed, or a restart)
            } else if (takeOver && who.firstAttempt) {
                how = "took over (--sink.take-over)" + (held == null ? "" : " from " + held);
            } else if (held == null) {
                if (!who.restored && hasRows(st, q)) {
                    throw new RefusedException("schema \"" + schema + "\" already holds metric rows and this job starts "
                            + "without state: its totals would overwrite them. Restore the job that wrote them from its "
                            + "checkpoint or savepoint, write into a new schema, or pass --sink.take-over to rewrite them");
                }
                how = who.restored ? "claimed (restored state)" : "claimed (new lineage)";
            } else if (held.lineage.equals(lineage)) {
                if (!who.firstAttempt) {
                    throw new RefusedException("schema \"" + schema + "\" was claimed by job " + held.jobId
                            + " (restored from this job's lineage) since this job started: this job stops writing");
                }
                how = "continued lineage from job " + held.jobId;
            } else {
                throw new RefusedException("schema \"" + schema + "\" is written by another job: " + held
                        + ". Two writers would overwrite each other's totals. Stop that job, write into another "
                        + "schema, or pass --sink.take-over (the holder is fenced off)");
            }
            epoch = held == null ? 1 : held.epoch + 1;
            try (PreparedStatement up = c.prepareStatement("INSERT INTO " + q + ".writer_claim (lineage, epoch, job_id, how) "
                    + "VALUES (?, ?, ?, ?) ON CONFLICT (singleton) DO UPDATE SET lineage = excluded.lineage, "
                    + "epoch = excluded.epoch, job_id = excluded.job_id, how = excluded.how, claimed_at = now()")) {
                up.setString(1, lineage);
                up.setLong(2, epoch);
                up.setString(3, who.jobId);
                up.setString(4, how);
                up.executeUpdate();
            }
            c.commit();
            LOG.info("Schema {}: writer claim epoch {} for job {}, lineage {}: {}", schema, epoch, who.jobId, lineage, how);
            return epoch;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /**
     * In a batch's transaction, before its writes: the claim is still {@code epoch}. The share
     * lock holds a new claim back until this batch has committed, and fails this batch once a
     * claim has moved on.
     */
    public static void check(Connection c, String schema, long epoch) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT epoch, job_id, how FROM " + SqlIdentifiers.quote(schema)
                        + ".writer_claim FOR SHARE")) {
            if (!rs.next() || rs.getLong(1) != epoch) {
                throw new RefusedException("schema \"" + schema + "\" is no longer this job's to write: "
                        + (rs.getRow() == 0 ? "its claim was removed" : "job " + rs.getString(2) + " claimed it (epoch "
                        + rs.getLong(1) + ", " + rs.getString(3) + ")") + "; this job's claim was epoch " + epoch);
            }
        }
    }

    private record Held(String lineage, long epoch, String jobId, String claimedAt, String how) {
        @Override
        public String toString() {
            return "job " + jobId + " (lineage " + lineage + ", epoch " + epoch + ", since " + claimedAt + ", " + how + ")";
        }
    }

    private static Held read(Statement st, String q) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT lineage, epoch, job_id, claimed_at::text, how FROM " + q + ".writer_claim")) {
            return rs.next() ? new Held(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5)) : null;
        }
    }

    private static boolean hasRows(Statement st, String q) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ");
        TableLayout[] tables = TableLayout.values();
        for (int i = 0; i < tables.length; i++) {
            sql.append(i > 0 ? " OR " : "").append("EXISTS (SELECT 1 FROM ").append(q).append('.').append(tables[i].tableName()).append(')');
        }
        try (ResultSet rs = st.executeQuery(sql.toString())) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
