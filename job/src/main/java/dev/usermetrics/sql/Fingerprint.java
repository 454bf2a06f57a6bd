package dev.usermetrics.sql;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The fingerprint of a table snapshot's content (model prices, budgets): a polled snapshot with
 * the same fingerprint as the last one changes nothing, so the stage that keeps it skips it.
 */
public final class Fingerprint {
    private final StringBuilder text = new StringBuilder();

    /** Appends a field, length-prefixed, so no content can imitate a separator (null: "-"). */
    public Fingerprint field(String s) {
        text.append(s == null ? "-;" : s.length() + ":" + s + ";");
        return this;
    }

    /** Ends one record of the snapshot. */
    public Fingerprint end() {
        text.append('\n');
        return this;
    }

    /** The first 16 bytes of the SHA-256 of the fields, in hex. */
    public String hex() {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
