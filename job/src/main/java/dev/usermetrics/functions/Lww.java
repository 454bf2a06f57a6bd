package dev.usermetrics.functions;

/**
 * A last-write-wins field: the value of the greatest version (event timestamp, event id) that
 * carried one. Merging is commutative and idempotent, so any arrival order gives the same value.
 * Flink POJO (state of the trace stage).
 */
public class Lww {
    /** null until an event carried a value. */
    public String value;
    public long verTs;
    public String verId;

    public Lww() {}

    /** Takes v when it is non-null and its version is newer than the current one. */
    public void offer(String v, long ts, String id) {
        if (v != null && (verId == null || Versions.compare(ts, id, verTs, verId) > 0)) {
            value = v;
            verTs = ts;
            verId = id;
        }
    }

    /** Takes the other field's value when it is newer. */
    public void offer(Lww other) {
        if (other.verId != null) {
            offer(other.value, other.verTs, other.verId);
        }
    }

    public Lww copy() {
        Lww c = new Lww();
        c.value = value;
        c.verTs = verTs;
        c.verId = verId;
        return c;
    }
}
