package dev.usermetrics.it;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * The ITs' one way to wait for something: polls until a condition holds (generous deadlines: the
 * tests check outcomes, not speed). A deliberate pause (letting a checkpoint or a watermark pass,
 * staying down longer than a TTL) is a plain Thread.sleep, not a wait.
 */
final class Await {
    /** How often the state is read again unless a caller says otherwise. */
    static final Duration EVERY = Duration.ofMillis(200);

    private Await() {}

    /** An assertion to retry: throwing (AssertionError or any exception) means "not yet". */
    @FunctionalInterface
    interface Check {
        void run() throws Exception;
    }

    /** Polls every 200 ms; fails with {@code what} and the {@code state} seen at the deadline. */
    static void until(String what, Duration timeout, Callable<Boolean> condition, Callable<?> state) throws Exception {
        until(what, timeout, EVERY, condition, state);
    }

    /** Polls every {@code every}; fails with {@code what} and the {@code state} seen at the deadline. */
    static void until(String what, Duration timeout, Duration every, Callable<Boolean> condition, Callable<?> state)
            throws Exception {
        if (!lastRead(timeout, every, condition, Boolean.TRUE::equals)) {
            throw new AssertionError("timed out waiting for: " + what + "; " + state.call());
        }
    }

    /**
     * Runs {@code check} every {@code every} until it passes; at the deadline fails with
     * {@code what}, the last failure as the cause.
     */
    static void untilPasses(String what, Duration timeout, Duration every, Check check) throws Exception {
        Throwable last = lastRead(timeout, every, () -> {
            try {
                check.run();
                return null;
            } catch (AssertionError | Exception notYet) {
                return notYet;
            }
        }, failure -> failure == null);
        if (last != null) {
            throw new AssertionError("timed out waiting for: " + what + " (" + timeout.toSeconds() + " s; the last failure is the cause)", last);
        }
    }

    /**
     * Reads every {@code every} until {@code done} holds for the value read or the deadline has
     * passed, and returns the last value read, done or not: for callers whose own assertions on
     * it tell more than a timeout would.
     */
    static <T> T lastRead(Duration timeout, Duration every, Callable<T> read, Predicate<? super T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = read.call();
            if (done.test(value) || System.nanoTime() > deadline) {
                return value;
            }
            Thread.sleep(every.toMillis());
        }
    }
}
