package dev.usermetrics.functions;

import dev.usermetrics.budgets.Budget;
import dev.usermetrics.budgets.BudgetAlert;
import dev.usermetrics.budgets.BudgetCheck;
import dev.usermetrics.budgets.BudgetFeed;
import dev.usermetrics.budgets.BudgetSnapshot;
import dev.usermetrics.budgets.BudgetWindow;
import dev.usermetrics.budgets.UserBudgets;
import dev.usermetrics.functions.state.UserBudgetsSerializer;
import dev.usermetrics.records.MetricsRow;
import java.io.Serializable;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
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
 * <p>Exactness: rows are only buffered (latest per row key, per user; beyond
 * {@link #MAX_BUFFERED_USERS} users applied to state, still unjudged) until the next checkpoint
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
        implements OneInputStreamOperator<MetricsRow, MetricsRow>, BoundedOneInput, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BudgetOperator.class);

    /** The alerts as records of the alerts topic (the same ones the main output writes as rows). */
    public static final OutputTag<BudgetAlert> ALERTS = new OutputTag<>("budget-alerts", TypeInformation.of(BudgetAlert.class));
    /** A bounded run evaluates its (final) rows once this many users are buffered (see {@link FinalRows}). */
    static final int EAGER_USERS = 20_000;
    /**
     * A live job applies its buffered rows to state (not yet judged: that waits for the barrier)
     * once this many users are buffered, so the buffer stays bounded between two barriers (e.g.
     * every user's rows at once after an upgrade, {@link UserAggregator#emitBudgetRows}).
     */
    static final int MAX_BUFFERED_USERS = 20_000;

    /** The time an alert is raised or resolved at (wall clock; tests give their own). */
    public interface Clock extends Serializable {
        long millis();
    }

    private final BudgetFeed feed;
    private final boolean eager;
    private final Clock wallClock;
    private transient ValueState<UserBudgets> state;
    private transient ListState<BudgetSnapshot> budgetState;
    private transient ListState<Long> clockState;
    private transient BudgetSnapshot budgets;
    /** Restored subtasks held different snapshots: the first evaluation re-judges every project. */
    private transient boolean restoredDiffer;
    /** The job's data clock: the latest watermark (not the final one), at least the restored clock. */
    private transient long dataClock;
    private transient InternalTimerService<VoidNamespace> rollovers;
    /**
     * Users to judge at the next barrier without new rows: a calendar window with a firing alert
     * ended, or their rows were applied ahead of it ({@link #MAX_BUFFERED_USERS}).
     */
    private transient Set<String> due;
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
        this.wallClock = clock;
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
        Set<String> fingerprints = new HashSet<>();
        for (BudgetSnapshot s : budgetState.get()) {
            budgets = s; // subtasks poll on their own, so after a change they may have stored different ones
            fingerprints.add(s.fingerprint);
        }
        restoredDiffer = fingerprints.size() > 1;
        clockState = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("budgets-clock", Types.LONG));
        dataClock = Long.MIN_VALUE;
        for (Long c : clockState.get()) {
            dataClock = Math.max(dataClock, c); // the watermark starts from nothing after a restore
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        state = getPartitionedState(stateDescriptor());
        pending = new LinkedHashMap<>();
        due = new HashSet<>();
        rollovers = getInternalTimerService("budget-rollovers", VoidNamespaceSerializer.INSTANCE, this);
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
            } else if (!eager && pending.size() >= MAX_BUFFERED_USERS) {
                applyBuffered();
            }
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() != Long.MAX_VALUE) {
            dataClock = Math.max(dataClock, mark.getTimestamp()); // the final watermark is no time: a bounded run keeps its last clock
        }
        super.processWatermark(mark);
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        due.add(timer.getKey());
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        evaluate();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        budgetState.update(List.of(budgets));
        clockState.update(List.of(dataClock));
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
        long now = wallClock.millis();
        long wallDay = BudgetWindow.epochDay(now);
        long clockDay = dataClock == Long.MIN_VALUE ? UserBudgets.NO_CLOCK : BudgetWindow.epochDay(dataClock);
        Set<String> changed = takeLatestBudgets();
        for (String key : due) {
            pending.computeIfAbsent(key, k -> new LinkedHashMap<>());
        }
        due.clear();
        for (Map.Entry<String, Map<MetricsRow.RowKey, MetricsRow>> e : pending.entrySet()) {
            UserBudgets u = withRows(e.getKey(), e.getValue(), wallDay);
            u.advanceCalendar(clockDay);
            u.prune();
            check(e.getKey(), u, now);
            store(state, u);
        }
        if (!changed.isEmpty()) {
            KeyedStateBackend<String> keys = getKeyedStateBackend();
            keys.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, stateDescriptor(), (key, st) -> {
                if (changed.contains(Keys.projectOf(key)) && !pending.containsKey(key)) {
                    UserBudgets u = st.value();
                    u.advanceCalendar(clockDay);
                    u.prune();
                    if (check(key, u, now)) {
                        store(st, u);
                    }
                }
            });
        }
        pending.clear();
    }

    /**
     * Applies the buffered rows to their users' state without judging them (between two barriers
     * a value is not one the tables will show): they are judged at the next barrier.
     */
    private void applyBuffered() throws Exception {
        long wallDay = BudgetWindow.epochDay(wallClock.millis());
        for (Map.Entry<String, Map<MetricsRow.RowKey, MetricsRow>> e : pending.entrySet()) {
            state.update(withRows(e.getKey(), e.getValue(), wallDay)); // even when empty: the barrier's judgement clears it
            due.add(e.getKey());
        }
        pending.clear();
    }

    /** Makes the user current and returns its state (new if none) with the rows applied. */
    private UserBudgets withRows(String key, Map<MetricsRow.RowKey, MetricsRow> rows, long wallDay) throws Exception {
        setCurrentKey(key);
        UserBudgets u = state.value();
        if (u == null) {
            u = new UserBudgets();
        }
        for (MetricsRow r : rows.values()) {
            u.apply(r, wallDay);
        }
        return u;
    }

    /** Writes the user's state back (cleared when empty) and asks to see it again when a firing calendar alert's window ends. */
    private void store(ValueState<UserBudgets> st, UserBudgets u) throws Exception {
        if (u.isEmpty()) {
            st.clear();
            return;
        }
        st.update(u);
        Long rollover = u.nextRolloverMillis();
        if (rollover != null) {
            rollovers.registerEventTimeTimer(VoidNamespace.INSTANCE, rollover); // the same time twice is one timer
        }
    }

    /** The projects whose budgets differ in the feed's latest snapshot (which is then the one in use). */
    private Set<String> takeLatestBudgets() {
        BudgetSnapshot latest = feed.latest();
        Set<String> changed = new HashSet<>();
        if (restoredDiffer) {
            restoredDiffer = false;
            budgets.budgets.forEach(b -> changed.add(b.projectId));
            if (latest != null) {
                latest.budgets.forEach(b -> changed.add(b.projectId));
            }
        }
        if (latest == null || latest.fingerprint.equals(budgets.fingerprint)) {
            return changed;
        }
        changed.addAll(BudgetSnapshot.changedProjects(budgets, latest));
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
