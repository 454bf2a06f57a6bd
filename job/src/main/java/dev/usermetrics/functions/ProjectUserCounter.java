package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import dev.usermetrics.records.UserCountChange;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Stage 3, keyed by project: counts the project's users (over all environments and per
 * environment) from the user stage's appear/disappear changes, so the Users page's total is one
 * row read instead of a count over a million rows. Exact: the user stage emits a change exactly
 * when a user's totals start or stop counting anything (the rule that adds or deletes their
 * user_metrics row), and every change passes through here once per checkpointed attempt.
 *
 * <p>State: {@code users} MapState environment ("" = all) → number of users; an entry is removed
 * at 0. One key per project, touched only when a user appears or disappears. No TTL.
 */
public class ProjectUserCounter extends KeyedProcessFunction<String, UserCountChange, MetricsRow> implements FinalRows {

    private final boolean rowsAtEnd;
    private transient MapState<String, Long> users;

    /** Emits every changed count (a live job). */
    public ProjectUserCounter() {
        this(false);
    }

    /** rowsAtEnd: a bounded run, whose rows are emitted once at end of input (see {@link FinalRows}). */
    public ProjectUserCounter(boolean rowsAtEnd) {
        this.rowsAtEnd = rowsAtEnd;
    }

    private static MapStateDescriptor<String, Long> usersDescriptor() {
        return new MapStateDescriptor<>("users", Types.STRING, Types.LONG);
    }

    @Override
    public void open(OpenContext ctx) {
        users = getRuntimeContext().getMapState(usersDescriptor());
    }

    @Override
    public void processElement(UserCountChange c, Context ctx, Collector<MetricsRow> rows) throws Exception {
        String key = c.environment == null ? "" : c.environment;
        long n = StateCounts.add(users, key, c.delta);
        (rowsAtEnd ? FinalRows.deletesOnly(rows) : rows).collect(row(c.projectId, c.environment, n));
    }

    @Override
    public MapStateDescriptor<String, Long> keysState() {
        return usersDescriptor();
    }

    @Override
    public void emitFinalRows(String project, Collector<MetricsRow> out) throws Exception {
        for (java.util.Map.Entry<String, Long> e : users.entries()) {
            out.collect(row(project, e.getKey().isEmpty() ? null : e.getKey(), e.getValue()));
        }
    }

    private static MetricsRow row(String project, String environment, long users) {
        MetricsRow r = new MetricsRow();
        r.table = SinkTable.PROJECT_USERS;
        r.projectId = project;
        r.environment = environment;
        r.userCount = users;
        return r;
    }
}
