package dev.usermetrics.functions;

import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Stage 0, keyed by (project, observation) for observation events and (project, score) for
 * score events (trace events pass through): a member's traceId keeps its first value in
 * (timestamp, event id) order, as Langfuse does for observations. Every event is sent on with
 * that traceId. When an earlier-ordered event arrives late naming another trace, the member
 * moves: the old trace gets an {@link EntityKind#OBSERVATION_MOVED_AWAY} (or
 * {@link EntityKind#SCORE_MOVED_AWAY}) and the new trace all of the member's events.
 *
 * <p>State: {@code route} ({@link ObservationRoute}): the canonical traceId with its version
 * and the member's events (usually 1–3); duplicates are dropped here. Cleared when the member
 * has had no event for the trace TTL ({@link IdleExpiry}, as in the trace stage); a later event
 * of it starts a new route.
 */
public class ObservationRouter extends KeyedProcessFunction<String, IngestionEvent, IngestionEvent> {

    private final IdleExpiry expiry;
    private transient ValueState<ObservationRoute> route;
    private transient Counter duplicates;
    private transient Counter moves;
    private transient Counter expired;

    /** Routes are kept forever. */
    public ObservationRouter() {
        this(IdleExpiry.never());
    }

    public ObservationRouter(IdleExpiry expiry) {
        this.expiry = expiry;
    }

    @Override
    public void open(OpenContext ctx) {
        route = getRuntimeContext().getState(
                new ValueStateDescriptor<>("route", TypeInformation.of(ObservationRoute.class)));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateEvents");
        moves = getRuntimeContext().getMetricGroup().counter("observationsMoved");
        expired = getRuntimeContext().getMetricGroup().counter("routesExpired");
    }

    @Override
    public void processElement(IngestionEvent e, Context ctx, Collector<IngestionEvent> out) throws Exception {
        if (e.isTrace()) {
            out.collect(e);
            return;
        }
        ObservationRoute r = route.value();
        if (r == null) {
            r = new ObservationRoute();
        } else if (r.seen(e.eventId)) {
            duplicates.inc();
            return;
        }
        r.events.add(e);
        if (r.traceId == null) {
            r.traceId = e.traceId;
            r.verTs = e.timestampNanos;
            r.verId = e.eventId;
            out.collect(e);
        } else if (Versions.compare(e.timestampNanos, e.eventId, r.verTs, r.verId) < 0) {
            r.verTs = e.timestampNanos;
            r.verId = e.eventId;
            if (e.traceId.equals(r.traceId)) {
                out.collect(e);
            } else {
                moves.inc();
                out.collect(movedAway(e, r.traceId));
                r.traceId = e.traceId;
                for (IngestionEvent earlier : r.events) {
                    out.collect(withTrace(earlier, r.traceId));
                }
            }
        } else {
            out.collect(withTrace(e, r.traceId));
        }
        r.expiresAtMillis = expiry.touch(ctx.timerService(), r.expiresAtMillis);
        route.update(r);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<IngestionEvent> out) throws Exception {
        ObservationRoute r = route.value();
        if (r != null && IdleExpiry.isDue(timestamp, r.expiresAtMillis)) {
            route.clear();
            expired.inc();
        }
    }

    private static IngestionEvent withTrace(IngestionEvent e, String traceId) {
        if (e.traceId.equals(traceId)) {
            return e;
        }
        IngestionEvent c = e.copy();
        c.traceId = traceId;
        return c;
    }

    private static IngestionEvent movedAway(IngestionEvent cause, String fromTrace) {
        IngestionEvent m = cause.copy();
        m.kind = cause.kind.movedAway();
        m.traceId = fromTrace;
        return m;
    }
}
