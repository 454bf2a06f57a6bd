package dev.usermetrics.functions.state;

import dev.usermetrics.functions.TraceState;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The compact form of a {@link TraceState} (the trace stage's {@code trace} value), laid out as
 * {@link ObservationStateSerializer}'s. The user's and environment's versions may be those of an
 * observation's event (not among the trace's own event ids): the table holds those inline.
 */
public final class TraceStateSerializer extends CompactStateSerializer<TraceState> {
    private static final long serialVersionUID = 1L;
    private static final int BODY_TIME = 1;
    private static final int MIN_TRACE_EVENT = 1 << 1;
    private static final int MIN_OBSERVATION = 1 << 2;
    private static final int COUNT_KNOWN = 1 << 3;
    /**
     * The session fields follow (a trace in a session): the bit was never set before sessions were
     * kept, so older state reads as "no session" with no format version change.
     */
    private static final int SESSION = 1 << 4;
    /** The name follows (a named trace); older state reads as unnamed. */
    private static final int NAME = 1 << 5;
    /** The trace's totals follow; older state reads as "totals unknown" (recomputed by the trace stage). */
    private static final int TOTALS = 1 << 6;
    /** The observations per (day, model) follow; older state reads as "unknown" (recounted by the trace stage). */
    private static final int MODEL_DAYS = 1 << 7;

    @Override
    public TraceState createInstance() {
        return new TraceState();
    }

    @Override
    public void serialize(TraceState t, DataOutputView out) throws IOException {
        int flags = (t.bodyTimeNanos != null ? BODY_TIME : 0) | (t.minTraceEventTsNanos != null ? MIN_TRACE_EVENT : 0)
                | (t.minObservationTimeNanos != null ? MIN_OBSERVATION : 0) | (t.observationCountKnown ? COUNT_KNOWN : 0);
        boolean inSession = t.session.value != null || t.emittedSession != null;
        flags |= inSession ? SESSION : 0;
        flags |= (t.name.value != null ? NAME : 0) | (t.totalsKnown ? TOTALS : 0) | (t.modelDaysKnown ? MODEL_DAYS : 0);
        out.writeByte(flags);
        long base = baseTime(t);
        out.writeLong(base);
        StateIo.writeSigned(out, t.emittedTraceTimeNanos - base);
        VersionTable v = new VersionTable(t.eventIds);
        int bodyTime = v.ref(t.bodyTimeVerTs, t.bodyTimeVerId);
        int user = v.ref(t.user);
        int environment = v.ref(t.environment);
        int session = inSession ? v.ref(t.session) : 0;
        int name = t.name.value != null ? v.ref(t.name) : 0;
        v.write(out, base);
        if (t.bodyTimeNanos != null) {
            StateIo.writeSigned(out, t.bodyTimeNanos - base);
        }
        StateIo.writeVarInt(out, bodyTime);
        if (t.minTraceEventTsNanos != null) {
            StateIo.writeSigned(out, t.minTraceEventTsNanos - base);
        }
        VersionTable.writeLww(out, t.user, user);
        VersionTable.writeLww(out, t.environment, environment);
        if (t.minObservationTimeNanos != null) {
            StateIo.writeSigned(out, t.minObservationTimeNanos - base);
        }
        StateIo.writeSigned(out, t.scoreCount);
        StateIo.writeSigned(out, t.observationCount);
        StateIo.writeString(out, t.emittedUser);
        StateIo.writeString(out, t.emittedEnvironment);
        StateIo.writeSigned(out, t.expiresAtMillis);
        if (inSession) {
            VersionTable.writeLww(out, t.session, session);
            StateIo.writeString(out, t.emittedSession);
        }
        if (t.name.value != null) {
            VersionTable.writeLww(out, t.name, name);
        }
        if (t.totalsKnown) {
            RowTotalsCodec.write(out, t.totals);
        }
        if (t.modelDaysKnown) {
            StateIo.writeVarInt(out, t.modelDays.size());
            for (java.util.Map.Entry<String, Integer> e : t.modelDays.entrySet()) {
                StateIo.writeString(out, e.getKey());
                StateIo.writeVarInt(out, e.getValue());
            }
        }
    }

    /** A time near all of the trace's timestamps (they are written as deltas from it). */
    private static long baseTime(TraceState t) {
        Long time = t.effectiveTimeNanos();
        return time != null ? time : t.user.verTs;
    }

    @Override
    public TraceState deserialize(DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        TraceState t = new TraceState();
        long base = in.readLong();
        t.emittedTraceTimeNanos = base + StateIo.readSigned(in);
        VersionTable.Read v = new VersionTable.Read(in, base);
        t.eventIds = v.eventIds;
        if ((flags & BODY_TIME) != 0) {
            t.bodyTimeNanos = base + StateIo.readSigned(in);
        }
        int bodyTime = StateIo.readVarInt(in);
        t.bodyTimeVerTs = v.ts(bodyTime);
        t.bodyTimeVerId = v.id(bodyTime);
        if ((flags & MIN_TRACE_EVENT) != 0) {
            t.minTraceEventTsNanos = base + StateIo.readSigned(in);
        }
        t.user = v.readLww(in);
        t.environment = v.readLww(in);
        if ((flags & MIN_OBSERVATION) != 0) {
            t.minObservationTimeNanos = base + StateIo.readSigned(in);
        }
        t.scoreCount = (int) StateIo.readSigned(in);
        t.observationCount = (int) StateIo.readSigned(in);
        t.observationCountKnown = (flags & COUNT_KNOWN) != 0;
        t.emittedUser = StateIo.readString(in);
        t.emittedEnvironment = StateIo.readString(in);
        t.expiresAtMillis = StateIo.readSigned(in);
        if ((flags & SESSION) != 0) {
            t.session = v.readLww(in);
            t.emittedSession = StateIo.readString(in);
        }
        if ((flags & NAME) != 0) {
            t.name = v.readLww(in);
        }
        t.totalsKnown = (flags & TOTALS) != 0;
        if (t.totalsKnown) {
            t.totals = RowTotalsCodec.read(in);
        }
        t.modelDaysKnown = (flags & MODEL_DAYS) != 0;
        if (t.modelDaysKnown) {
            int n = StateIo.readVarInt(in);
            t.modelDays = new java.util.HashMap<>(Math.max(2, n * 2));
            for (int i = 0; i < n; i++) {
                t.modelDays.put(StateIo.readString(in), StateIo.readVarInt(in));
            }
        }
        return t;
    }

    @Override
    public TypeSerializerSnapshot<TraceState> snapshotConfiguration() {
        return new TraceStateSnapshot();
    }

    /** Format version 1 (the first compact form). */
    public static final class TraceStateSnapshot extends Snapshot<TraceState> {
        public TraceStateSnapshot() {
            super(TraceState.class, TraceStateSerializer::new);
        }
    }
}
