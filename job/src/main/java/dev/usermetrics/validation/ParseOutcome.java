package dev.usermetrics.validation;

import dev.usermetrics.records.IngestionEvent;
import java.util.List;

/**
 * What the parser made of one record: an event to apply (possibly with fields dropped or
 * replaced), an accepted event with nothing to aggregate, or a rejection.
 */
public sealed interface ParseOutcome {

    /** A field the parser dropped or replaced (invalid userId, environment, model), and why. */
    record FieldFix(RejectReason reason, String detail) {}

    /** An event to apply; {@code fixes} lists the fields that were dropped or replaced. */
    record Accepted(IngestionEvent event, List<FieldFix> fixes) implements ParseOutcome {}

    /** A valid event of a type that does not change the metrics (sdk-log); fixes as in Accepted. */
    record Skipped(String eventId, String projectId, String type, List<FieldFix> fixes) implements ParseOutcome {}

    /** Nothing of the record is applied. Ids are filled in when they could be read. */
    record Rejected(RejectReason reason, String detail, String eventId, String projectId) implements ParseOutcome {}
}
