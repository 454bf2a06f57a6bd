package dev.usermetrics.sql;

/**
 * Postgres identifiers in SQL text. Its own package because both the sink and the price reader
 * build statements for a schema named on the command line (it keeps {@code sink} and
 * {@code pricing} independent of each other).
 */
public final class SqlIdentifiers {
    private SqlIdentifiers() {}

    /** Quotes a Postgres identifier (schema names come from the command line). */
    public static String quote(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }
}
