package dev.usermetrics.functions;

import dev.usermetrics.records.IngestionEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one observation belongs (state of {@link ObservationRouter}): the traceId of its
 * earliest-ordered event ("keeps its first value") and the events seen so far, kept so they can
 * be sent to another trace should an earlier event name a different traceId.
 */
public class ObservationRoute {
    public String traceId;
    public long verTs;
    public String verId;
    public List<IngestionEvent> events = new ArrayList<>();
    /** Processing time (epoch millis) at which the route is dropped; 0: never (see IdleExpiry). */
    public long expiresAtMillis;

    public ObservationRoute() {}

    boolean seen(String eventId) {
        for (IngestionEvent e : events) {
            if (e.eventId.equals(eventId)) {
                return true;
            }
        }
        return false;
    }
}
