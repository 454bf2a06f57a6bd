package dev.usermetrics.budgets;

import dev.usermetrics.sql.PostgresLogin;
import dev.usermetrics.sql.SnapshotPoll;
import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the budget stage gets its budgets from: the latest snapshot read so far. The stage takes
 * it at each checkpoint barrier (so every user of a checkpoint is judged by one snapshot).
 */
public interface BudgetFeed extends Serializable {

    /** Starts reading (on the task's open). */
    void open() throws Exception;

    /** The latest snapshot read. */
    BudgetSnapshot latest();

    void close();

    /**
     * The sink schema's {@code user_budgets}: read on open (a job that cannot read its budgets
     * fails to start, like the sinks without their database), then every interval by a daemon
     * thread of each subtask ({@link SnapshotPoll}: a failed read keeps the last good snapshot and
     * logs a warning). once: the read on open only (bounded runs, which judge the final values by
     * one snapshot).
     */
    static BudgetFeed polling(PostgresLogin login, String schema, Duration interval, boolean once) {
        return new Polling(new SnapshotPoll<>(login, schema, "budgets", BudgetReader::readSnapshot), interval, once);
    }

    /** A fixed snapshot (tests, and jobs built without a schema). */
    static BudgetFeed of(BudgetSnapshot snapshot) {
        return new BudgetFeed() {
            @Override
            public void open() {}

            @Override
            public BudgetSnapshot latest() {
                return snapshot;
            }

            @Override
            public void close() {}
        };
    }

    final class Polling implements BudgetFeed {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = LoggerFactory.getLogger(Polling.class);
        private final SnapshotPoll<BudgetSnapshot> poll;
        private final Duration interval;
        private final boolean once;
        private transient AtomicReference<BudgetSnapshot> latest;
        private transient ScheduledExecutorService thread;

        Polling(SnapshotPoll<BudgetSnapshot> poll, Duration interval, boolean once) {
            this.poll = poll;
            this.interval = interval;
            this.once = once;
        }

        @Override
        public void open() throws Exception {
            latest = new AtomicReference<>(poll.map(0L));
            if (once) {
                poll.close();
                return;
            }
            thread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "budget-poll");
                t.setDaemon(true);
                return t;
            });
            long millis = interval.toMillis();
            thread.scheduleWithFixedDelay(() -> {
                try {
                    latest.set(poll.map(0L)); // after a good read, a failed one returns the last good snapshot
                } catch (Exception e) {
                    LOG.warn("Reading the budgets failed; keeping the last ones read", e);
                }
            }, millis, millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public BudgetSnapshot latest() {
            return latest.get();
        }

        @Override
        public void close() {
            if (thread != null) {
                thread.shutdownNow();
            }
            poll.close();
        }
    }
}
