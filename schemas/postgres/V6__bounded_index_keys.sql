-- user-metrics sink schema, version 6: no content can make a sink fail on an index row.
-- Applied by SchemaMigrator after V5, in one transaction, with search_path set to the schema.
--
-- rejected_events records what a bad record carried, so its event id is attacker-controlled: 1,000
-- CJK characters are 3,000 bytes, more than a B-tree index row holds (2,704), and the insert failed
-- on every restart. The unique key now holds the md5 of the event id (32 bytes whatever the id);
-- the column keeps the id itself. The metric tables' keys are bounded by the parser instead
-- (KeyLimits in the job).
DROP INDEX rejected_events_record_reason_event_idx;
CREATE UNIQUE INDEX rejected_events_record_reason_event_md5_idx
    ON rejected_events (kafka_topic, kafka_partition, kafka_offset, reason, (md5(coalesce(event_id, ''))));
