package dev.usermetrics.functions;

/**
 * The order in which events of one entity are merged: by envelope timestamp, then event id.
 * Field-level last-write-wins takes the greatest version, "first value" fields the smallest.
 */
final class Versions {
    private Versions() {}

    static int compare(long ts1, String id1, long ts2, String id2) {
        int c = Long.compare(ts1, ts2);
        return c != 0 ? c : id1.compareTo(id2);
    }
}
