package dev.usermetrics.functions;

/**
 * A last-write-wins field: the value of the greatest version (event timestamp, event id) that
 * carried one. Merging is commutative and idempotent, so any arrival order gives the same value.
 * Part of the trace stage's state, written by its compact serializers (functions/state); a Flink
 * POJO, so state of the POJO-serialized layout v3 still restores.
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

    public Lww copy() {
        Lww c = new Lww();
        c.value = value;
        c.verTs = verTs;
        c.verId = verId;
        return c;
    }
}
