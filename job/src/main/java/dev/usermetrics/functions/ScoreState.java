package dev.usermetrics.functions;

import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.ScoreDataType;
import dev.usermetrics.records.ScoreDelta;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The merged state of one score (state of {@link TraceResolver}, one MapState entry per score
 * id). The same score id sent again replaces name, type and value with those of the
 * latest-ordered event (last write wins, as for observations); its time keeps its first value.
 * A score counts for the user and in the environment of its trace, never its own.
 */
public class ScoreState implements TraceMember {
    public List<String> eventIds = new ArrayList<>();
    /** Name, type, value and label of the latest-ordered event, as one unit. */
    public String name;
    public ScoreDataType dataType;
    public BigDecimal value;
    public String label;
    public long verTs;
    public String verId;
    /** body.timestamp of the earliest-ordered event that carried one. */
    public Long bodyTimeNanos;
    public long timeVerTs;
    public String timeVerId;
    /** Earliest envelope timestamp: the score's time when no body.timestamp. */
    public long minEventTsNanos = Long.MAX_VALUE;

    public ScoreState() {}

    @Override
    public boolean seen(String eventId) {
        return eventIds.contains(eventId);
    }

    public void apply(IngestionEvent e) {
        EventIds.remember(eventIds, e.eventId);
        long ts = e.timestampNanos;
        String id = e.eventId;
        minEventTsNanos = Math.min(minEventTsNanos, ts);
        if (verId == null || Versions.compare(ts, id, verTs, verId) > 0) {
            name = e.scoreName;
            dataType = e.scoreDataType;
            value = e.scoreValue;
            label = e.scoreLabel;
            verTs = ts;
            verId = id;
        }
        if (e.bodyTimeNanos != null
                && (timeVerId == null || Versions.compare(ts, id, timeVerTs, timeVerId) < 0)) {
            bodyTimeNanos = e.bodyTimeNanos;
            timeVerTs = ts;
            timeVerId = id;
        }
    }

    public long timeNanos() {
        return bodyTimeNanos != null ? bodyTimeNanos : minEventTsNanos;
    }

    @Override
    public void addTo(DeltaBuilder delta, String user, String env, int sign) {
        long t = timeNanos();
        delta.slot(user, env, t).addScore(name, dataType, value, label, t, sign);
    }

    /** Marks this score, counted for (user, env), as settled (its trace's state expired). */
    public void settleTo(DeltaBuilder delta, String user, String env) {
        long t = timeNanos();
        delta.slot(user, env, t).settleScore(ScoreDelta.key(name, dataType), t);
    }

    @Override
    public ScoreState copy() {
        ScoreState c = new ScoreState();
        c.eventIds = new ArrayList<>(eventIds);
        c.name = name;
        c.dataType = dataType;
        c.value = value;
        c.label = label;
        c.verTs = verTs;
        c.verId = verId;
        c.bodyTimeNanos = bodyTimeNanos;
        c.timeVerTs = timeVerTs;
        c.timeVerId = timeVerId;
        c.minEventTsNanos = minEventTsNanos;
        return c;
    }
}
