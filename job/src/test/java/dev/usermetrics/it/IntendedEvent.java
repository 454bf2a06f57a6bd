package dev.usermetrics.it;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * One event as {@link Scenario} intends it: what it sends (rendered to a JSON line, maybe more
 * than once) and what the rules make of it (the valid* fields), which is all that
 * {@link ReferenceModel} reads. userIdJson is the raw JSON of the userId field (null: absent).
 */
final class IntendedEvent {
    String id;
    Instant ts;
    String type;
    String project;
    String traceId;
    String obsId; // null for trace events
    Instant bodyTime;
    String userIdJson;
    String validUser; // the userId if the rules accept it, else null
    String sessionIdJson; // raw JSON of body.sessionId (null: absent)
    String validSession; // the sessionId if the rules accept it, else null
    Map<String, Long> usage;
    Map<String, BigDecimal> cost;
    int usageFormat; // 0 usageDetails/costDetails, 1 legacy usage, 2 OpenAI-style usage
    boolean emptyDetails; // sends {} details: must not overwrite
    String envJson; // raw JSON of body.environment (null: absent)
    String validEnv; // what the rules make of it: lower-cased, "default" when invalid, null when absent
    String traceNameJson; // raw JSON of a trace event's body.name (null: absent)
    String validTraceName; // the name if usable, else null
    String modelJson; // raw JSON of body.model (null: absent)
    String validModel; // the model if usable, else null
    // Scores (type score-create): obsId is null, scoreId set.
    String scoreId;
    String scoreName;
    String scoreType; // NUMERIC, BOOLEAN, CATEGORICAL
    boolean sendDataType;
    BigDecimal scoreValue;
    String scoreLabel;
}
