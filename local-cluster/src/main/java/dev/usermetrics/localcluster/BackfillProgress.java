package dev.usermetrics.localcluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Watches a backfill job until it has caught up: the offsets its group committed (on completed
 * checkpoints, i.e. rows handed to Postgres) against the topics' end offsets, per partition.
 * Shows records consumed, records/s, percentage and ETA — a redrawn progress bar on a terminal,
 * a plain line every 10 s otherwise. Caught up = total lag at most {@code maxLag}; it then waits
 * for two more completed checkpoints of the job, so the rows of the last offsets are flushed.
 *
 * <pre>BackfillProgress BOOTSTRAP GROUP TOPICS FLINK_URL JOB_ID MAX_LAG TIMEOUT_S TTY</pre>
 * Exit 0 when caught up, 1 when the job stopped running or the timeout passed.
 */
public final class BackfillProgress {
    private BackfillProgress() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: BackfillProgress BOOTSTRAP GROUP TOPICS FLINK_URL JOB_ID MAX_LAG TIMEOUT_S TTY(true|false)");
            System.exit(2);
        }
        String group = args[1];
        List<String> topics = List.of(args[2].split(","));
        FlinkCluster flink = new FlinkCluster(args[3]);
        String job = args[4];
        long maxLag = Long.parseLong(args[5]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[6]));
        boolean tty = Boolean.parseBoolean(args[7]);
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        p.put("request.timeout.ms", "5000");
        p.put("default.api.timeout.ms", "10000");
        try (Admin admin = Admin.create(p)) {
            long start = System.nanoTime();
            long lastPrint = 0;
            double rate = 0;
            long prevConsumed = -1;
            long prevAt = start;
            boolean warnedWaiting = false;
            while (true) {
                String state = flink.jobState(job);
                if (List.of("FAILED", "CANCELED", "FINISHED", "SUSPENDED", "UNKNOWN").contains(state)) {
                    System.out.println();
                    System.err.println("error: backfill job " + job + " is " + state + " (see bin/status and the Flink logs)");
                    System.exit(1);
                }
                if (!state.equals("RUNNING") && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(60) && !warnedWaiting) {
                    System.err.println("backfill job " + job + " is still " + state + " after 60 s: are there free task slots? (bin/status)");
                    warnedWaiting = true;
                }
                Map<TopicPartition, Long> ends = endOffsets(admin, topics);
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                long end = 0;
                long consumed = 0;
                List<String> parts = new ArrayList<>();
                for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    long done = c == null ? 0 : Math.min(c.offset(), e.getValue());
                    end += e.getValue();
                    consumed += done;
                    parts.add(e.getKey() + " " + done + "/" + e.getValue());
                }
                long now = System.nanoTime();
                if (prevConsumed >= 0 && now > prevAt) {
                    double instant = (consumed - prevConsumed) * 1e9 / (now - prevAt);
                    rate = rate == 0 ? instant : 0.7 * rate + 0.3 * instant;
                }
                prevConsumed = consumed;
                prevAt = now;
                long lag = end - consumed;
                boolean caughtUp = end > 0 && lag <= maxLag || end == 0;
                if (tty || caughtUp || now - lastPrint >= TimeUnit.SECONDS.toNanos(10)) {
                    print(tty, consumed, end, rate, lag, parts);
                    lastPrint = now;
                }
                if (caughtUp) {
                    break;
                }
                if (now > deadline) {
                    System.out.println();
                    System.err.println("error: the backfill did not catch up in time (lag " + lag + ")");
                    System.exit(1);
                }
                Thread.sleep(tty ? 1000 : 2000);
            }
            if (tty) {
                System.out.println();
            }
            int done = checkpoints(flink, job);
            if (!flink.waitCheckpoints(job, done + 2, 120)) {
                System.err.println("error: no further checkpoint of job " + job + " completed");
                System.exit(1);
            }
            System.out.printf(Locale.ROOT, "caught up: lag <= %d records, rows flushed (checkpoint %d)%n", maxLag, done + 2);
        }
    }

    private static int checkpoints(FlinkCluster flink, String job) throws Exception {
        return flink.get("/jobs/" + job + "/checkpoints").path("counts").path("completed").asInt();
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> spec = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).forEach((name, d) ->
                d.partitions().forEach(pi -> spec.put(new TopicPartition(name, pi.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        admin.listOffsets(spec).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private static void print(boolean tty, long consumed, long end, double rate, long lag, List<String> parts) {
        double pct = end == 0 ? 100 : 100.0 * consumed / end;
        String eta = rate > 0 ? formatSeconds((long) (lag / rate)) : "?";
        String numbers = String.format(Locale.ROOT, "%,d / %,d records (%.1f%%), %,.0f records/s, ETA %s",
                consumed, end, pct, rate, eta);
        if (tty) {
            int width = 30;
            int filled = (int) Math.round(pct / 100 * width);
            System.out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + numbers + "   ");
            System.out.flush();
        } else {
            System.out.println("backfill: " + numbers + "; " + String.join(", ", parts));
        }
    }

    private static String formatSeconds(long s) {
        return s < 60 ? s + " s" : s < 3600 ? (s / 60) + " min " + (s % 60) + " s" : (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }
}
