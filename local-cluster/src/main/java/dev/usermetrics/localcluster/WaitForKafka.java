package dev.usermetrics.localcluster;

import java.time.Duration;

/** {@code WaitForKafka host:port seconds}: exits 0 once the broker answers, 1 on timeout. */
public final class WaitForKafka {
    private WaitForKafka() {}

    public static void main(String[] args) throws Exception {
        try {
            KafkaBroker.awaitReady(args[0], Duration.ofSeconds(Long.parseLong(args[1])), null);
        } catch (java.io.IOException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
