package dev.usermetrics.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usermetrics.validation.EventParser;
import dev.usermetrics.validation.ParseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The throughput ceilings the job is measured against: a plain Kafka consumer that reads a topic
 * from the beginning to its end offsets, in one thread, and (1) runs the job's own parser on
 * every record, (2) in a second pass, only a plain Jackson tree parse (no validation: an
 * independent ceiling, so a faster parser of the job shows as a higher job/ceiling_tree). Prints
 * {@code ceiling_events_per_s=<n> tree_ceiling_events_per_s=<n> records=<n> accepted=<n> seconds=<s>}.
 */
public final class ConsumeParseCeiling {
    private ConsumeParseCeiling() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : "localhost:9092";
        String topic = args.length > 1 ? args[1] : "langfuse-events";
        EventParser parser = new EventParser();
        long[] accepted = new long[1];
        Pass job = pass(bootstrap, topic, v -> {
            if (parser.parse(v) instanceof ParseOutcome.Accepted) {
                accepted[0]++;
            }
            return true;
        });
        ObjectMapper tree = new ObjectMapper();
        Pass plain = pass(bootstrap, topic, v -> {
            try {
                return tree.readTree(v) != null;
            } catch (Exception e) {
                return false;
            }
        });
        System.out.printf("ceiling_events_per_s=%.0f tree_ceiling_events_per_s=%.0f records=%d accepted=%d seconds=%.2f%n",
                job.records / job.seconds, plain.records / plain.seconds, job.records, accepted[0], job.seconds);
    }

    private record Pass(long records, double seconds) {}

    /** Reads the whole topic once, applying {@code work} to every record value. */
    private static Pass pass(String bootstrap, String topic, Predicate<byte[]> work) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("enable.auto.commit", "false");
        p.put("max.poll.records", "2000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo pi : consumer.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long target = 0;
            for (TopicPartition tp : parts) {
                target += end.get(tp) - consumer.position(tp);
            }
            long records = 0;
            long start = System.nanoTime();
            while (records < target) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    work.test(r.value());
                    records++;
                }
            }
            return new Pass(records, (System.nanoTime() - start) / 1e9);
        }
    }
}
