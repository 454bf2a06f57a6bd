-- user-metrics sink schema, version 5: one rejected_events row per Kafka record, reason and event.
-- Applied by SchemaMigrator after V4, in one transaction, with search_path set to the schema.
--
-- An OTLP record (--input.format otlp-json / otlp-proto) carries many spans, each mapped to its
-- own events: two spans of one record dropped for the same reason are two rows now (they were
-- one). event_id is '' in the key when the record had none (e.g. not JSON), so a replay after a
-- restart still adds nothing.
DO $$
DECLARE c text;
BEGIN
    SELECT conname INTO c FROM pg_constraint
    WHERE conrelid = 'rejected_events'::regclass AND contype = 'u';
    IF c IS NOT NULL THEN
        EXECUTE format('ALTER TABLE rejected_events DROP CONSTRAINT %I', c);
    END IF;
END
$$;
CREATE UNIQUE INDEX rejected_events_record_reason_event_idx
    ON rejected_events (kafka_topic, kafka_partition, kafka_offset, reason, (coalesce(event_id, '')));
