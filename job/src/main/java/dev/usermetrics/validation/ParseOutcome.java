package dev.usermetrics.validation;

import dev.usermetrics.records.IngestionEvent;

/**
 * What the parser made of one record: an event to apply (possibly with its userId dropped), an
 * accepted event with nothing to aggregate, or a rejection.
 */
public sealed interface ParseOutcome {

    /** An event to apply. {@code droppedUserId} is non-null when an invalid userId was removed. */
    record Accepted(IngestionEvent event, UserIdRules.Invalid droppedUserId) implements ParseOutcome {}

    /**
     * A valid event of a type that does not change the metrics (score-create, sdk-log);
     * {@code droppedUserId} as in Accepted.
     */
    record Skipped(String eventId, String projectId, String type, UserIdRules.Invalid droppedUserId) implements ParseOutcome {}

    /** Nothing of the record is applied. Ids are filled in when they could be read. */
    record Rejected(RejectReason reason, String detail, String eventId, String projectId) implements ParseOutcome {}
}
