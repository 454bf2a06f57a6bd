package dev.usermetrics.functions;

import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * A task-thread action repeated every interval of processing time (the live flushes of the
 * bundling operators). Runs in the task's mailbox, so it never races with record processing.
 */
final class Periodic {
    private Periodic() {}

    /** Runs {@code action} every {@code intervalMillis} from now on; nothing when the interval is 0. */
    static void every(ProcessingTimeService time, long intervalMillis, ThrowingRunnable<Exception> action) {
        if (intervalMillis <= 0) {
            return;
        }
        time.registerTimer(time.getCurrentProcessingTime() + intervalMillis, ts -> {
            action.run();
            every(time, intervalMillis, action);
        });
    }
}
