package dev.usermetrics.records;

/** Langfuse's score data types. */
public enum ScoreDataType {
    /** A number; summed and averaged. */
    NUMERIC,
    /** 0 or 1 with a label ("True" / "False"); summed, averaged and counted per label. */
    BOOLEAN,
    /** A label; counted per label. */
    CATEGORICAL;

    public boolean hasValue() {
        return this != CATEGORICAL;
    }

    public boolean hasLabel() {
        return this != NUMERIC;
    }
}
