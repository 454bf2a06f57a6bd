package dev.usermetrics.it;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls until a condition holds (generous deadlines: the tests check outcomes, not speed). */
final class Await {
    private Await() {}

    /** Fails with {@code what} and the {@code state} seen at the deadline. */
    static void until(String what, Duration timeout, Callable<Boolean> condition, Callable<?> state) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what + "; " + state.call());
            }
            Thread.sleep(200);
        }
    }
}
