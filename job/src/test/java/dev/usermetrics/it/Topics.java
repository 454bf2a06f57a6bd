package dev.usermetrics.it;

import dev.usermetrics.localcluster.Produce;
import java.nio.charset.StandardCharsets;
import java.util.List;
import dev.usermetrics.localcluster.CheckedProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Produces test lines the way local-cluster/bin/produce does (as-is, keyed by trace id), with
 * deterministic partitions: lines without a trace id go to partition (line number % partitions).
 */
final class Topics {
    private Topics() {}

    static void produce(String topic, int partitions, List<String> lines) throws Exception {
        produce(topic, partitions, lines, true);
    }

    /** Without keys, line i to partition i % partitions: the events of a trace are spread out. */
    static void produceUnkeyed(String topic, int partitions, List<String> lines) throws Exception {
        produce(topic, partitions, lines, false);
    }

    /** Keyed, every record with the Kafka time kafkaMillis (the job's data clock, e.g. for the trailing windows). */
    static void produceAt(String topic, int partitions, List<String> lines, long kafkaMillis) throws Exception {
        produce(Services.kafkaBootstrap(), topic, partitions, lines, true, kafkaMillis);
    }

    private static void produce(String topic, int partitions, List<String> lines, boolean keyed) throws Exception {
        produce(Services.kafkaBootstrap(), topic, partitions, lines, keyed);
    }

    /** To another broker than the tests' shared one (e.g. one with a SASL listener). */
    static void produce(String bootstrap, String topic, int partitions, List<String> lines, boolean keyed) throws Exception {
        produce(bootstrap, topic, partitions, lines, keyed, null);
    }

    /** kafkaMillis: the records' Kafka time; null = the producer's clock. */
    private static void produce(String bootstrap, String topic, int partitions, List<String> lines, boolean keyed, Long kafkaMillis)
            throws Exception {
        Produce.createTopic(bootstrap, topic, partitions);
        try (CheckedProducer producer = new CheckedProducer(bootstrap, "test topic " + topic)) {
            int i = 0;
            for (String line : lines) {
                byte[] value = line.getBytes(StandardCharsets.UTF_8);
                String key = keyed ? Produce.traceKey(line) : null;
                if (key != null) {
                    producer.send(new ProducerRecord<>(topic, null, kafkaMillis, key.getBytes(StandardCharsets.UTF_8), value));
                } else {
                    // Explicit, not the sticky partitioner: the same lines always land at the same
                    // offsets (the savepoint fixture relies on it).
                    producer.send(new ProducerRecord<>(topic, i % partitions, kafkaMillis, null, value));
                }
                i++;
            }
            // Fails the test here if any line did not reach Kafka: a silently incomplete topic
            // once made the failover test report wrong totals that the job had not caused.
            producer.flush();
        }
    }
}
