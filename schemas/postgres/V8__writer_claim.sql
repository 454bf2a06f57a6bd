-- user-metrics sink schema, version 8: one writer per schema (writer fencing).
-- Applied by SchemaMigrator after V7, in one transaction, with search_path set to the schema.
--
-- The metric tables hold absolute totals that only the job's state can reproduce, so two jobs
-- writing one schema (or a job started without state into a schema that already has rows)
-- silently overwrite each other's exact values. The job claims the schema in this one-row table
-- when its row writers open (WriterClaim), and every batch of metric rows checks, in its own
-- transaction and under a share lock on this row, that the claim is still its own.
--   lineage: the state the writer carries on (the id of the job that started it without state,
--            kept in the job's checkpoints; a job restored from them continues the lineage)
--   epoch:   incremented by every claim; the job holding the current one is the only writer
--   job_id:  the Flink job holding the claim
CREATE TABLE writer_claim (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    lineage    text NOT NULL,
    epoch      bigint NOT NULL,
    job_id     text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    how        text NOT NULL
);
-- Not for readers (no grant); row-level security without a policy, like every other table.
ALTER TABLE writer_claim ENABLE ROW LEVEL SECURITY;
