package dev.usermetrics.functions;

import dev.usermetrics.budgets.Budget;
import dev.usermetrics.budgets.BudgetAlert;
import dev.usermetrics.budgets.BudgetCheck;
import dev.usermetrics.budgets.BudgetFeed;
import dev.usermetrics.budgets.BudgetSnapshot;
import dev.usermetrics.budgets.UserBudgets;
import dev.usermetrics.functions.state.UserBudgetsSerializer;
import dev.usermetrics.records.MetricsRow;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budget stage, keyed by (project, user) on the user stage's own partitioning and chained to
 * it (no shuffle, no serialization of the rows): keeps each user's values in every window a
 * budget can name ({@link UserBudgets}) and raises and resolves alerts ({@link BudgetCheck}) with
 * the budgets its {@link BudgetFeed} last read.
 *
 * <p>Exactness: rows are only buffered (latest per row key, per user) until the next checkpoint
 * barrier; just before it ({@code prepareSnapshotPreBarrier}) each touched user's state takes
 * them and is evaluated. So an alert is decided on a checkpoint's values — exactly what the
 * tables hold once that checkpoint completes — never on a value between two checkpoints, and its
 * records precede the barrier: the row buffer writes them, and the transactional topic sink
 * commits them, with that checkpoint. After a failure both start again from the previous
 * checkpoint's state, so a crossing is neither lost nor sent twice to read_committed readers.
 * A budget snapshot with new content (taken at a barrier) re-evaluates every user of the projects
 * whose budgets changed (one pass over the stage's keys). A bounded run evaluates its final rows.
 *
 * <p>State: keyed {@code user-budgets} ({@link UserBudgets}, explicit serializer), cleared when
 * empty; operator union list state {@code budgets}: the snapshot in use, so a restored job judges
 * with the budgets it had until its feed reads new ones.
 */
public class BudgetOperator extends AbstractStreamOperator<MetricsRow>
        implements OneInputStreamOperator<MetricsRow, MetricsRow>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BudgetOperator.class);

    /** The alerts as records of the alerts topic (the same ones the main output writes as rows). */
    public static final OutputTag<BudgetAlert> ALERTS = new OutputTag<>("budget-alerts", TypeInformation.of(BudgetAlert.class));
    /** A bounded run evaluates its (final) rows once this many users are buffered (see {@link FinalRows}). */
    static final int EAGER_USERS = 20_000;

    /** The time an alert is raised or resolved at (wall clock; tests give their own). */
    public interface Clock extends Serializable {
        long millis();
    }

    private final BudgetFeed feed;
    private final boolean eager;
    private final Clock clock;
    private transient ValueState<UserBudgets> state;
    private transient ListState<BudgetSnapshot> budgetState;
    private transient BudgetSnapshot budgets;
    private transient Map<String, Map<MetricsRow.RowKey, MetricsRow>> pending;
    private transient Counter alertsRaised;
    private transient Counter alertsResolved;

    /**
     * eager: a bounded run whose user stage emits its final rows at end of input: they are the
     * truth as they arrive, so they are evaluated in batches of {@link #EAGER_USERS} users instead
     * of being held (they would be every user) until the end.
     */
    public BudgetOperator(BudgetFeed feed, boolean eager) {
        this(feed, eager, System::currentTimeMillis);
    }

    public BudgetOperator(BudgetFeed feed, boolean eager, Clock clock) {
        this.feed = feed;
        this.eager = eager;
        this.clock = clock;
    }

    static ValueStateDescriptor<UserBudgets> stateDescriptor() {
        return new ValueStateDescriptor<>("user-budgets", new UserBudgetsSerializer());
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        budgetState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("budgets", TypeInformation.of(BudgetSnapshot.class)));
        budgets = BudgetSnapshot.empty();
        for (BudgetSnapshot s : budgetState.get()) {
            budgets = s; // every subtask stored the one it used
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        state = getPartitionedState(stateDescriptor());
        pending = new LinkedHashMap<>();
        alertsRaised = getMetricGroup().counter("budgetAlertsRaised");
        alertsResolved = getMetricGroup().counter("budgetAlertsResolved");
        feed.open();
    }

    @Override
    public void processElement(StreamRecord<MetricsRow> element) throws Exception {
        MetricsRow r = element.getValue();
        if (UserBudgets.feeds(r)) {
            // Kept until the barrier: the user stage emits a new row object every time (object reuse is safe).
            pending.computeIfAbsent((String) getCurrentKey(), k -> new LinkedHashMap<>()).put(r.key(), r);
            if (eager && pending.size() >= EAGER_USERS) {
                evaluate();
            }
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        evaluate();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        budgetState.update(List.of(budgets));
    }

    @Override
    public void endInput() throws Exception {
        evaluate();
    }

    @Override
    public void close() throws Exception {
        feed.close();
        super.close();
    }

    /**
     * Takes the feed's latest snapshot, applies the buffered rows to their users and evaluates
     * them, then every other user of the projects whose budgets changed.
     */
    private void evaluate() throws Exception {
        long now = clock.millis();
        Set<String> changed = takeLatestBudgets();
        for (Map.Entry<String, Map<MetricsRow.RowKey, MetricsRow>> e : pending.entrySet()) {
            setCurrentKey(e.getKey());
            UserBudgets u = state.value();
            if (u == null) {
                u = new UserBudgets();
            }
            for (MetricsRow r : e.getValue().values()) {
                u.apply(r);
            }
            check(e.getKey(), u, now);
            if (u.isEmpty()) {
                state.clear();
            } else {
                state.update(u);
            }
        }
        if (!changed.isEmpty()) {
            KeyedStateBackend<String> keys = getKeyedStateBackend();
            keys.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, stateDescriptor(), (key, st) -> {
                if (changed.contains(Keys.projectOf(key)) && !pending.containsKey(key)) {
                    UserBudgets u = st.value();
                    if (check(key, u, now)) {
                        st.update(u);
                    }
                }
            });
        }
        pending.clear();
    }

    /** The projects whose budgets differ in the feed's latest snapshot (which is then the one in use). */
    private Set<String> takeLatestBudgets() {
        BudgetSnapshot latest = feed.latest();
        if (latest == null || latest.fingerprint.equals(budgets.fingerprint)) {
            return Set.of();
        }
        Set<String> changed = BudgetSnapshot.changedProjects(budgets, latest);
        LOG.info("Budgets changed ({} -> {}): the users of project(s) {} are evaluated again", budgets, latest, changed);
        budgets = latest;
        return changed;
    }

    /** Evaluates one user; returns whether its alert states may have changed. */
    private boolean check(String key, UserBudgets u, long now) {
        String projectId = Keys.projectOf(key);
        List<Budget> projectBudgets = budgets.ofProject(projectId);
        if (projectBudgets.isEmpty() && u.alerts.isEmpty()) {
            return false;
        }
        BudgetCheck.evaluate(projectId, Keys.idOf(key), projectBudgets, u, now, this::emit);
        return true;
    }

    private void emit(BudgetAlert a) {
        (BudgetAlert.FIRING.equals(a.state) ? alertsRaised : alertsResolved).inc();
        output.collect(new StreamRecord<>(MetricsRow.of(a)));
        output.collect(ALERTS, new StreamRecord<>(a));
    }

    /** Users with rows not yet evaluated (for tests). */
    int buffered() {
        return pending.size();
    }
}
