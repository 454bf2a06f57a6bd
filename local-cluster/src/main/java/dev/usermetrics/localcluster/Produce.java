package dev.usermetrics.localcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Sends every line of stdin as-is as one Kafka record — split on '\n' only, byte for byte, so
 * lines that are not JSON, not UTF-8 or empty reach the job exactly as in the file — keyed by the
 * trace id (body.traceId, or body.id of a trace-create) when the line parses. Creates the topic
 * if it does not exist.
 */
public final class Produce {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Produce() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = "localhost:9092";
        String topic = null;
        int partitions = 1;
        boolean delete = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap-servers" -> bootstrap = args[++i];
                case "--topic" -> topic = args[++i];
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--delete" -> delete = true;
                case "--help", "-h" -> {
                    usage();
                    return;
                }
                default -> {
                    System.err.println("unknown option: " + args[i]);
                    usage();
                    System.exit(2);
                }
            }
        }
        if (topic == null) {
            System.err.println("--topic is required");
            usage();
            System.exit(2);
        }
        if (delete) {
            deleteTopic(bootstrap, topic);
            return;
        }
        createTopic(bootstrap, topic, partitions);
        long sent = 0;
        try (CheckedProducer producer = new CheckedProducer(bootstrap, "topic " + topic);
                InputStream in = new BufferedInputStream(System.in, 1 << 16)) {
            byte[] line;
            while ((line = readLine(in)) != null) {
                String key = traceKey(line);
                producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), line));
                if (++sent % 100_000 == 0) {
                    System.err.println("  sent " + sent + " records...");
                }
            }
            producer.flush();
        } catch (CheckedProducer.ProduceFailedException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
        System.out.println("Produced " + sent + " records to topic " + topic + " at " + bootstrap);
    }

    /** The next line without its '\n', or null at the end (a last line without '\n' counts). */
    static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                return line.toByteArray();
            }
            line.write(b);
        }
        return line.size() > 0 ? line.toByteArray() : null;
    }

    /** The record key: the trace id, when the line is an event that names one. */
    public static String traceKey(byte[] line) {
        try {
            JsonNode n = JSON.readTree(line);
            JsonNode body = n.path("body");
            if (body.path("traceId").isTextual()) {
                return body.get("traceId").textValue();
            }
            if ("trace-create".equals(n.path("type").asText()) && body.path("id").isTextual()) {
                return body.get("id").textValue();
            }
        } catch (Exception notJson) {
            // sent as-is, without a key
        }
        return null;
    }

    public static String traceKey(String line) {
        return traceKey(line.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Creates the topic if it does not exist, then waits until every partition has a leader: a
     * producer that starts earlier can hit NOT_LEADER_OR_FOLLOWER on a fresh partition.
     */
    public static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get();
            if (!existing.contains(topic)) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
                    System.err.println("Created topic " + topic + " with " + partitions + " partition(s)");
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            awaitLeaders(admin, topic);
        }
    }

    /** Deletes the topic and its data (bin/bench cleans up its topics with this). */
    static void deleteTopic(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
            System.err.println("Deleted topic " + topic);
        }
    }

    private static void awaitLeaders(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                if (d.partitions().stream().allMatch(tp -> tp.leader() != null && !tp.leader().isEmpty())) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + topic + " has partitions without a leader after 60 s");
            }
            Thread.sleep(100);
        }
    }

    private static void usage() {
        System.err.println("usage: produce --topic T [--partitions N] [--bootstrap-servers host:port] < events.jsonl\n"
                + "       produce --topic T --delete   (deletes the topic and its records)");
    }
}
