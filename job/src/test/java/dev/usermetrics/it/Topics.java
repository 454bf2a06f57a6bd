package dev.usermetrics.it;

import dev.usermetrics.localcluster.Produce;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces test lines the way local-cluster/bin/produce does (as-is, keyed by trace id). */
final class Topics {
    private Topics() {}

    static void produce(String topic, int partitions, List<String> lines) throws Exception {
        String bootstrap = Services.kafkaBootstrap();
        Produce.createTopic(bootstrap, topic, partitions);
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        p.put("linger.ms", "10");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (String line : lines) {
                String key = Produce.traceKey(line);
                producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                        line.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }
}
