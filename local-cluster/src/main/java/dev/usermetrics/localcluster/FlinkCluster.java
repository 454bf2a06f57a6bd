package dev.usermetrics.localcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Talks to the standalone Flink cluster's REST API (and Kafka, for consumer lag) for the
 * local-cluster scripts: wait until it is ready, list running jobs, wait for a job's
 * checkpoints, print a status report.
 */
public final class FlinkCluster {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter HMS = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public FlinkCluster(String url) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        FlinkCluster f = new FlinkCluster(args[1]);
        switch (args[0]) {
            case "wait-ready" -> System.exit(f.waitReady(Integer.parseInt(args[2]), Integer.parseInt(args[3])) ? 0 : 1);
            case "running" -> f.runningJobs().forEach(System.out::println);
            case "wait-checkpoints" -> System.exit(
                    f.waitCheckpoints(args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4])) ? 0 : 1);
            case "status" -> f.status(args.length > 2 ? args[2] : null, args.length > 3 ? args[3] : null);
            case "cancel" -> f.cancel(args[2]);
            case "state" -> System.out.println(f.jobState(args[2]));
            case "sample" -> f.sample(args[2], args[3], args[4]);
            case "checkpoint-state" -> f.checkpointState(args[2]);
            case "state-sizes" -> f.stateSizes(args[2]);
            case "checkpoints" -> System.out.println(f.get("/jobs/" + args[2] + "/checkpoints").path("counts").path("completed").asInt());
            case "failed-checkpoints" -> System.out.println(f.get("/jobs/" + args[2] + "/checkpoints").path("counts").path("failed").asInt());
            case "wait-recovered" -> {
                // Seconds from now until the job runs again and completed a checkpoint after BEFORE.
                long t0 = System.nanoTime();
                boolean ok = f.waitRecovered(args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                System.out.printf(java.util.Locale.ROOT, "%.1f%n", (System.nanoTime() - t0) / 1e9);
                System.exit(ok ? 0 : 1);
            }
            case "wait-caught-up" -> {
                // Seconds from now until GROUP has committed the end offset of all PARTITIONS partitions.
                long t0 = System.nanoTime();
                boolean ok = waitCaughtUp(args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]));
                System.out.printf(java.util.Locale.ROOT, "%.1f%n", (System.nanoTime() - t0) / 1e9);
                System.exit(ok ? 0 : 1);
            }
            case "cancel-named" -> {
                for (JsonNode j : f.get("/jobs/overview").path("jobs")) {
                    boolean ended = List.of("FINISHED", "CANCELED", "FAILED").contains(j.path("state").asText());
                    if (!ended && j.path("name").asText().equals(args[2])) {
                        f.cancel(j.path("jid").asText());
                        System.out.println("cancelled job " + j.path("jid").asText() + " (" + args[2] + ")");
                    }
                }
            }
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: FlinkCluster wait-ready URL TASKMANAGERS TIMEOUT_S | running URL"
                + " | wait-checkpoints URL JOB_ID N TIMEOUT_S | status URL [KAFKA_BOOTSTRAP GROUP] | cancel-named URL JOB_NAME"
                + " | wait-caught-up URL KAFKA_BOOTSTRAP GROUP PARTITIONS TIMEOUT_S | checkpoints URL JOB_ID"
                + " | failed-checkpoints URL JOB_ID | checkpoint-state URL JOB_ID | state-sizes URL JOB_ID");
        System.exit(2);
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("GET " + path + " -> HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** True once the REST API answers and at least n TaskManagers registered. */
    boolean waitReady(int n, int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            try {
                if (get("/taskmanagers").path("taskmanagers").size() >= n) {
                    return true;
                }
            } catch (IOException notYet) {
                // JobManager still starting
            }
            Thread.sleep(500);
        }
        return false;
    }

    public List<String> runningJobs() throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        for (JsonNode j : get("/jobs/overview").path("jobs")) {
            if (j.path("state").asText().equals("RUNNING")) {
                ids.add(j.path("jid").asText());
            }
        }
        return ids;
    }

    /** The job's state (RUNNING, CREATED, FAILED, …); "UNKNOWN" when the cluster does not know it. */
    public String jobState(String jobId) throws IOException, InterruptedException {
        for (JsonNode j : get("/jobs/overview").path("jobs")) {
            if (j.path("jid").asText().equals(jobId)) {
                return j.path("state").asText();
            }
        }
        return "UNKNOWN";
    }

    /** True once the job is RUNNING and has completed more than {@code before} checkpoints. */
    boolean waitRecovered(String jobId, int before, int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            try {
                if (jobState(jobId).equals("RUNNING")
                        && get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asInt() > before) {
                    return true;
                }
            } catch (IOException notYet) {
                // JobManager busy or restarting the job
            }
            Thread.sleep(500);
        }
        return false;
    }

    /** True once the job has completed at least n checkpoints. */
    public boolean waitCheckpoints(String jobId, int n, int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            try {
                if (get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asInt() >= n) {
                    return true;
                }
            } catch (IOException notYet) {
                // job not yet known
            }
            Thread.sleep(500);
        }
        return false;
    }

    void status(String bootstrap, String group) throws Exception {
        JsonNode overview = get("/overview");
        System.out.printf("Flink cluster %s (web UI): %d TaskManager(s), %d slots (%d free), Flink %s%n", url,
                overview.path("taskmanagers").asInt(), overview.path("slots-total").asInt(),
                overview.path("slots-available").asInt(), overview.path("flink-version").asText());
        JsonNode jobs = get("/jobs/overview").path("jobs");
        if (jobs.isEmpty()) {
            System.out.println("no jobs");
        }
        for (JsonNode j : jobs) {
            String id = j.path("jid").asText();
            String state = j.path("state").asText();
            long start = j.path("start-time").asLong();
            System.out.printf("%njob %s  %s  %s  started %s (%s ago)%n", id, j.path("name").asText(), state,
                    time(start), ago(System.currentTimeMillis() - start));
            if (state.equals("RUNNING")) {
                System.out.printf("  web UI: %s/#/job/running/%s/overview%n", url, id);
                JsonNode cp = get("/jobs/" + id + "/checkpoints");
                JsonNode last = cp.path("latest").path("completed");
                JsonNode counts = cp.path("counts");
                if (last.isMissingNode() || last.isNull()) {
                    System.out.printf("  no completed checkpoint yet (%d in progress, %d failed)%n",
                            counts.path("in_progress").asInt(), counts.path("failed").asInt());
                } else {
                    long at = last.path("latest_ack_timestamp").asLong();
                    System.out.printf("  last checkpoint: #%d completed %s (%s ago), %s, took %.1f s; %d completed, %d failed, restored: %s%n",
                            last.path("id").asLong(), time(at), ago(System.currentTimeMillis() - at),
                            bytes(last.path("checkpointed_size").asLong()), last.path("end_to_end_duration").asLong() / 1000.0,
                            counts.path("completed").asInt(), counts.path("failed").asInt(),
                            cp.path("latest").path("restored").path("external_path").asText("no"));
                }
            }
        }
        if (bootstrap != null && group != null) {
            lag(bootstrap, group);
        }
    }

    /**
     * One soak sample, tab-separated: epoch seconds, job state, total consumer lag, last
     * checkpoint's end-to-end duration (ms), its incremental size and the full state size (bytes).
     */
    void sample(String jobId, String bootstrap, String group) throws Exception {
        JsonNode last = get("/jobs/" + jobId + "/checkpoints").path("latest").path("completed");
        long lag = 0;
        for (long[] ce : groupOffsets(bootstrap, group).values()) {
            lag += Math.max(0, ce[1] - ce[0]);
        }
        System.out.printf("%d\t%s\t%d\t%d\t%d\t%d%n", System.currentTimeMillis() / 1000, jobState(jobId), lag,
                last.path("end_to_end_duration").asLong(), last.path("checkpointed_size").asLong(), last.path("state_size").asLong());
    }

    /**
     * The latest completed checkpoint, tab-separated: a line {@code checkpoint DURATION_MS
     * FULL_BYTES INCREMENTAL_BYTES MAX_DURATION_MS COMPLETED}, then {@code vertex NAME FULL_BYTES}
     * per job vertex (bin/bench's state figures).
     */
    void checkpointState(String jobId) throws Exception {
        JsonNode cps = get("/jobs/" + jobId + "/checkpoints");
        JsonNode last = cps.path("latest").path("completed");
        if (last.isMissingNode() || last.isNull()) {
            throw new IOException("job " + jobId + " has no completed checkpoint");
        }
        System.out.printf("checkpoint\t%d\t%d\t%d\t%d\t%d%n", last.path("end_to_end_duration").asLong(),
                last.path("state_size").asLong(), last.path("checkpointed_size").asLong(),
                cps.path("summary").path("end_to_end_duration").path("max").asLong(), cps.path("counts").path("completed").asLong());
        Map<String, String> names = new TreeMap<>();
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            names.put(v.path("id").asText(), v.path("name").asText());
        }
        JsonNode tasks = get("/jobs/" + jobId + "/checkpoints/details/" + last.path("id").asLong()).path("tasks");
        for (Map.Entry<String, String> v : names.entrySet()) {
            System.out.printf("vertex\t%s\t%d%n", v.getValue(), tasks.path(v.getKey()).path("state_size").asLong());
        }
    }

    /** A RocksDB size metric of one state, as the REST API names it: "SUBTASK.OPERATOR.STATE.rocksdb_PROPERTY" (--metrics.state-sizes). */
    private static final java.util.regex.Pattern STATE_METRIC = java.util.regex.Pattern.compile(
            "\\d+\\.([^.]+)\\.(.+)\\.rocksdb_(estimate-num-keys|estimate-live-data-size|live-sst-files-size)");

    /**
     * Prints "state TAB operator TAB state TAB keys TAB live data bytes TAB live SST bytes", summed
     * over the subtasks, for every keyed state of a job started with --metrics.state-sizes.
     */
    void stateSizes(String jobId) throws Exception {
        Map<String, long[]> sizes = new TreeMap<>();
        List<String> properties = List.of("estimate-num-keys", "estimate-live-data-size", "live-sst-files-size");
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            String base = "/jobs/" + jobId + "/vertices/" + v.path("id").asText() + "/metrics";
            List<String> ids = new java.util.ArrayList<>();
            for (JsonNode m : get(base)) {
                if (STATE_METRIC.matcher(m.path("id").asText()).matches()) {
                    ids.add(m.path("id").asText());
                }
            }
            for (int i = 0; i < ids.size(); i += 50) { // the query string stays short
                String q = String.join(",", ids.subList(i, Math.min(ids.size(), i + 50)));
                for (JsonNode m : get(base + "?get=" + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8))) {
                    java.util.regex.Matcher x = STATE_METRIC.matcher(m.path("id").asText());
                    if (x.matches()) {
                        sizes.computeIfAbsent(x.group(1) + "\t" + x.group(2), k -> new long[3])[properties.indexOf(x.group(3))] +=
                                (long) Double.parseDouble(m.path("value").asText("0"));
                    }
                }
            }
        }
        sizes.forEach((k, n) -> System.out.printf("state\t%s\t%d\t%d\t%d%n", k, n[0], n[1], n[2]));
    }

    /** Consumer lag of the job's group: offsets committed on checkpoints vs. end offsets. */
    static void lag(String bootstrap, String group) throws Exception {
        Map<TopicPartition, long[]> offsets = groupOffsets(bootstrap, group);
        if (offsets.isEmpty()) {
            System.out.printf("%nconsumer group %s: no committed offsets yet (they are committed on checkpoints)%n", group);
            return;
        }
        System.out.printf("%nconsumer group %s (offsets committed on checkpoints):%n", group);
        long total = 0;
        for (Map.Entry<TopicPartition, long[]> e : offsets.entrySet()) {
            long lag = Math.max(0, e.getValue()[1] - e.getValue()[0]);
            total += lag;
            System.out.printf("  %-40s committed %,12d  end %,12d  lag %,10d%n", e.getKey(), e.getValue()[0], e.getValue()[1], lag);
        }
        System.out.printf("  total lag %,d records%n", total);
    }

    /**
     * True once the consumer group has committed offsets for {@code partitions} partitions, each
     * at its end offset (the job commits on checkpoints, so this lags the job by up to one
     * checkpoint interval).
     */
    static boolean waitCaughtUp(String bootstrap, String group, int partitions, int timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, long[]> offsets = groupOffsets(bootstrap, group);
            if (offsets.size() >= partitions && offsets.values().stream().allMatch(ce -> ce[0] >= ce[1])) {
                return true;
            }
            Thread.sleep(500);
        }
        return false;
    }

    /** Per partition the group has committed to: {committed offset, end offset}, in partition order. */
    private static Map<TopicPartition, long[]> groupOffsets(String bootstrap, String group) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("request.timeout.ms", "5000");
        p.put("default.api.timeout.ms", "10000");
        Map<TopicPartition, long[]> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            for (TopicPartition tp : latest.keySet()) {
                long c = committed.get(tp) == null ? 0 : committed.get(tp).offset();
                out.put(tp, new long[] {c, ends.get(tp).offset()});
            }
        }
        return out;
    }

    /** Cancels a job (PATCH /jobs/ID?mode=cancel). */
    public void cancel(String jobId) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/jobs/" + jobId + "?mode=cancel"))
                .timeout(Duration.ofSeconds(10)).method("PATCH", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("cancel " + jobId + " -> HTTP " + r.statusCode() + ": " + r.body());
        }
    }

    private static String time(long millis) {
        return LocalTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.systemDefault()).format(HMS);
    }

    private static String ago(long millis) {
        long s = millis / 1000;
        return s < 120 ? s + " s" : s < 7200 ? (s / 60) + " min" : (s / 3600) + " h";
    }

    private static String bytes(long b) {
        return b < 1024 * 1024 ? String.format("%.1f KiB", b / 1024.0) : String.format("%.1f MiB", b / 1024.0 / 1024.0);
    }
}
