package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.validation.Timestamps;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Stage 2, keyed by (project, user): sums the signed contributions into the user's cumulative,
 * hourly and daily metrics and emits the absolute value of every row it changed.
 *
 * <p>State (no TTL: totals are cumulative; see docs/design.md):
 * <ul>
 *   <li>{@code totals}: {@link UserTotals} — cumulative metrics, first/last seen.</li>
 *   <li>{@code hourly} / {@code daily}: MapState bucket start (epoch millis) → {@link Metrics}.
 *       A bucket whose counts and sums are all zero is removed.</li>
 *   <li>{@code trace-times}: MapState trace time (epoch nanos) → number of the user's traces at
 *       that time; lets first/last seen be recomputed exactly when a trace moves to another
 *       user.</li>
 * </ul>
 * All state of a user is cleared when everything nets to zero (e.g. their only trace moved away).
 */
public class UserAggregator extends KeyedProcessFunction<String, Contribution, MetricsRow> {

    private transient ValueState<UserTotals> totals;
    private transient MapState<Long, Metrics> hourly;
    private transient MapState<Long, Metrics> daily;
    private transient MapState<Long, Long> traceTimes;

    @Override
    public void open(OpenContext ctx) {
        totals = getRuntimeContext().getState(
                new ValueStateDescriptor<>("totals", TypeInformation.of(UserTotals.class)));
        hourly = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("hourly", Types.LONG, TypeInformation.of(Metrics.class)));
        daily = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("daily", Types.LONG, TypeInformation.of(Metrics.class)));
        traceTimes = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("trace-times", Types.LONG, Types.LONG));
    }

    @Override
    public void processElement(Contribution c, Context ctx, Collector<MetricsRow> out) throws Exception {
        UserTotals t = totals.value();
        if (t == null) {
            t = new UserTotals();
        }
        t.metrics.add(c.delta, +1);
        for (Map.Entry<Long, Long> tt : c.traceTimes.entrySet()) {
            updateSeen(t, tt.getKey(), tt.getValue());
        }
        if (t.metrics.isZero()) {
            totals.clear();
        } else {
            totals.update(t);
        }
        out.collect(row(SinkTable.USER_METRICS, c, 0, t.metrics, t.firstSeenNanos, t.lastSeenNanos));

        long hour = c.hourStartMillis;
        out.collect(row(SinkTable.USER_METRICS_HOURLY, c, hour, addToBucket(hourly, hour, c.delta), null, null));
        long day = Timestamps.dayStartMillis(hour);
        out.collect(row(SinkTable.USER_METRICS_DAILY, c, day, addToBucket(daily, day, c.delta), null, null));
    }

    private static Metrics addToBucket(MapState<Long, Metrics> buckets, long start, Metrics delta) throws Exception {
        Metrics m = buckets.get(start);
        if (m == null) {
            m = new Metrics();
        }
        m.add(delta, +1);
        if (m.isZero()) {
            buckets.remove(start);
        } else {
            buckets.put(start, m);
        }
        return m;
    }

    /** Adds (n > 0) or removes (n < 0) traces at one time and keeps first/last seen exact. */
    private void updateSeen(UserTotals t, long time, long sign) throws Exception {
        Long count = traceTimes.get(time);
        long n = (count == null ? 0 : count) + sign;
        if (n <= 0) {
            traceTimes.remove(time);
        } else {
            traceTimes.put(time, n);
        }
        if (sign > 0) {
            t.firstSeenNanos = t.firstSeenNanos == null ? time : Math.min(t.firstSeenNanos, time);
            t.lastSeenNanos = t.lastSeenNanos == null ? time : Math.max(t.lastSeenNanos, time);
        } else if (n <= 0 && (Long.valueOf(time).equals(t.firstSeenNanos) || Long.valueOf(time).equals(t.lastSeenNanos))) {
            // An extreme went away: rescan (happens when a trace moves to another user).
            Long min = null;
            Long max = null;
            for (Long k : traceTimes.keys()) {
                min = min == null ? k : Math.min(min, k);
                max = max == null ? k : Math.max(max, k);
            }
            t.firstSeenNanos = min;
            t.lastSeenNanos = max;
        }
    }

    private static MetricsRow row(SinkTable table, Contribution c, long bucket, Metrics m, Long first, Long last) {
        MetricsRow r = new MetricsRow();
        r.table = table;
        r.projectId = c.projectId;
        r.userId = c.userId;
        r.bucketStartMillis = bucket;
        r.metrics = m;
        r.firstSeenNanos = first;
        r.lastSeenNanos = last;
        return r;
    }
}
