package dev.usermetrics.validation;

/**
 * How long, in UTF-8 bytes, each string that reaches a key column or an index of the sink can
 * be — in one place, because the limits only make sense together: Postgres refuses a B-tree
 * index row over 2,704 bytes, and a refused row fails the sink for good (the job restart-loops on
 * the same record). Every index of the metric tables is a prefix of (project, user, environment,
 * bucket, model) or (project, user, score name, data type), so their worst cases are
 *
 * <pre>
 *   user_model_metrics_daily: project 768 + user 800 + environment 40 + model 600 + 8 ≈ 2,216
 *   user_scores:              project 768 + user 800 + score name 1,000 + data type 11 ≈ 2,579
 * </pre>
 * plus a few bytes of headers per column: under 2,704. Other ids (event, trace, observation and
 * score ids) reach no metric table; in rejected_events the event id is indexed by its md5 (V6), so
 * no content can make that sink fail.
 */
public final class KeyLimits {

    /** Postgres's limit for one B-tree index row (8 kB pages), for reference in docs and tests. */
    public static final int POSTGRES_BTREE_MAX_ROW_BYTES = 2704;

    /** projectId: 256 UTF-16 characters (EventParser.MAX_PROJECT_ID_LENGTH), so at most 768 bytes. */
    public static final int PROJECT_ID_MAX_BYTES = 3 * EventParser.MAX_PROJECT_ID_LENGTH;
    /** userId: 200 code points (UserIdRules), so at most 800 bytes. */
    public static final int USER_ID_MAX_BYTES = 4 * UserIdRules.MAX_CODE_POINTS;
    /** environment: 40 characters of [a-z0-9-_] (EnvironmentRules). */
    public static final int ENVIRONMENT_MAX_BYTES = EnvironmentRules.MAX_LENGTH;
    /** model: 200 UTF-16 characters (EventParser.MAX_MODEL_LENGTH), so at most 600 bytes. */
    public static final int MODEL_MAX_BYTES = 3 * EventParser.MAX_MODEL_LENGTH;
    /** score name: checked in bytes (ScoreRules), the only key string whose character limit was not enough. */
    public static final int SCORE_NAME_MAX_BYTES = 1000;

    private KeyLimits() {}

    /** The UTF-8 length of a storable string (no unpaired surrogates), without encoding it. */
    public static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4; // with its low surrogate
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
