package dev.usermetrics.bench;

import dev.usermetrics.validation.EventParser;
import dev.usermetrics.validation.ParseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The throughput ceiling the job is measured against: a plain Kafka consumer that reads a topic
 * from the beginning to its end offsets and runs the job's own parser on every record, in one
 * thread. Prints {@code ceiling_events_per_s=<n> records=<n> seconds=<s>}.
 */
public final class ConsumeParseCeiling {
    private ConsumeParseCeiling() {}

    public static void main(String[] args) {
        String bootstrap = args.length > 0 ? args[0] : "localhost:9092";
        String topic = args.length > 1 ? args[1] : "langfuse-events";
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("enable.auto.commit", "false");
        p.put("max.poll.records", "2000");
        EventParser parser = new EventParser();
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
            long accepted = 0;
            long start = System.nanoTime();
            while (records < target) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    if (parser.parse(r.value()) instanceof ParseOutcome.Accepted) {
                        accepted++;
                    }
                    records++;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("ceiling_events_per_s=%.0f records=%d accepted=%d seconds=%.2f%n",
                    records / seconds, records, accepted, seconds);
        }
    }
}
