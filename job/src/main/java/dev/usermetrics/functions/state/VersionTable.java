package dev.usermetrics.functions.state;

import dev.usermetrics.functions.Lww;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An entity's applied event ids and the versions (event timestamp, event id) its fields came
 * from, written once each. In the POJO form every versioned field held its own copy of a
 * 36-character event id and an 8-byte timestamp, mostly the same one or two events; here a
 * field holds a small index into this table, and a version whose id is one of the entity's
 * event ids holds the index of that id.
 *
 * <p>Layout: event ids (count, then each); versions (count, then each as the index + 1 of its
 * id among the event ids, or 0 and the id; then its timestamp as a signed delta from the
 * record's base time). A field's reference is 0 for "no version" (id null and timestamp 0,
 * the state of a field no event has set) or the index + 1 of its version.
 */
final class VersionTable {
    private final List<String> eventIds;
    private final List<String> ids = new ArrayList<>(4);
    private final List<Long> timestamps = new ArrayList<>(4);

    /** For writing: the entity's event ids (written as they are, in order). */
    VersionTable(List<String> eventIds) {
        this.eventIds = eventIds;
    }

    /** The reference of a version, added to the table when new. */
    int ref(long ts, String id) {
        if (id == null && ts == 0) {
            return 0;
        }
        for (int i = 0; i < ids.size(); i++) {
            if (timestamps.get(i) == ts && Objects.equals(ids.get(i), id)) {
                return i + 1;
            }
        }
        ids.add(id);
        timestamps.add(ts);
        return ids.size();
    }

    int ref(Lww field) {
        return ref(field.verTs, field.verId);
    }

    void write(DataOutputView out, long baseTime) throws IOException {
        StateIo.writeVarInt(out, eventIds.size());
        for (String id : eventIds) {
            StateIo.writeId(out, id);
        }
        StateIo.writeVarInt(out, ids.size());
        for (int i = 0; i < ids.size(); i++) {
            int at = ids.get(i) == null ? -1 : eventIds.indexOf(ids.get(i));
            StateIo.writeVarInt(out, at + 1);
            if (at < 0) {
                StateIo.writeId(out, ids.get(i));
            }
            StateIo.writeSigned(out, timestamps.get(i) - baseTime);
        }
    }

    /** A table read back: the event ids and the versions, for {@link #ts}, {@link #id} and {@link #readLww}. */
    static final class Read {
        final List<String> eventIds;
        private final String[] ids;
        private final long[] timestamps;

        Read(DataInputView in, long baseTime) throws IOException {
            int n = StateIo.readVarInt(in);
            eventIds = new ArrayList<>(Math.max(n, 2));
            for (int i = 0; i < n; i++) {
                eventIds.add(StateIo.readId(in));
            }
            int m = StateIo.readVarInt(in);
            ids = new String[m];
            timestamps = new long[m];
            for (int i = 0; i < m; i++) {
                int at = StateIo.readVarInt(in) - 1;
                ids[i] = at < 0 ? StateIo.readId(in) : eventIds.get(at);
                timestamps[i] = baseTime + StateIo.readSigned(in);
            }
        }

        long ts(int ref) {
            return ref == 0 ? 0 : timestamps[ref - 1];
        }

        String id(int ref) {
            return ref == 0 ? null : ids[ref - 1];
        }

        /** A last-write-wins field: its value, then its version's reference. */
        Lww readLww(DataInputView in) throws IOException {
            Lww f = new Lww();
            f.value = StateIo.readString(in);
            int ref = StateIo.readVarInt(in);
            f.verTs = ts(ref);
            f.verId = id(ref);
            return f;
        }
    }

    static void writeLww(DataOutputView out, Lww f, int ref) throws IOException {
        StateIo.writeString(out, f.value);
        StateIo.writeVarInt(out, ref);
    }
}
