package dev.usermetrics.localcluster;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Produces a live-looking stream at a steady rate for a soak run: new traces (GenerateEvents'
 * shape, timestamps advancing with the wall clock), keyed by trace id, for a given duration.
 *
 * <pre>SoakProducer BOOTSTRAP TOPIC EVENTS_PER_SECOND SECONDS USERS</pre>
 */
public final class SoakProducer {
    private SoakProducer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: SoakProducer BOOTSTRAP TOPIC EVENTS_PER_SECOND SECONDS USERS");
            System.exit(2);
        }
        String topic = args[1];
        Produce.createTopic(args[0], topic, 4);
        long start = System.nanoTime();
        long sent;
        try (CheckedProducer producer = new CheckedProducer(args[0], "topic " + topic)) {
            sent = produce(producer, topic, Double.parseDouble(args[2]), Long.parseLong(args[3]),
                    Integer.parseInt(args[4]), () -> {});
            producer.flush();
        }
        System.err.printf("soak producer: %d events in %s s (%.0f/s)%n", sent, args[3], sent / ((System.nanoTime() - start) / 1e9));
    }

    /**
     * Sends new traces to {@code topic} at {@code rate} events/s for {@code seconds}, calling
     * {@code afterTrace} after each trace (bin/bench's freshness run sends its probes there).
     * Returns the number of events sent.
     */
    static long produce(CheckedProducer producer, String topic, double rate, long seconds, int users, Runnable afterTrace)
            throws InterruptedException {
        // The generator spreads `traces` over 7 days, so this many makes its timestamps advance
        // like the wall clock.
        int traces = (int) Math.min(Integer.MAX_VALUE, 604_800L * Math.max(1, (long) (rate / GenerateEvents.EVENTS_PER_TRACE)));
        GenerateEvents g = new GenerateEvents(17, users, 3, Instant.now());
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long sent = 0;
        for (int t = 0; System.nanoTime() < end; t++) {
            for (String line : g.trace(t, traces)) {
                String key = Produce.traceKey(line);
                producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                        line.getBytes(StandardCharsets.UTF_8)));
                sent++;
            }
            afterTrace.run();
            long due = start + (long) (sent / rate * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        return sent;
    }
}
