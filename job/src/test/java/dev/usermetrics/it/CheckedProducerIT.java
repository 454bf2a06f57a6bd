package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usermetrics.localcluster.CheckedProducer;
import dev.usermetrics.localcluster.Produce;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The producer every loader (bin/produce, the soak producer, the tests' topics) uses: a record
 * the broker refuses fails the load loudly, and records land in send order.
 */
class CheckedProducerIT {

    @Test
    void aRecordTheBrokerRefusesFailsTheFlush() throws Exception {
        String bootstrap = Services.kafkaBootstrap();
        Produce.createTopic(bootstrap, "it-checked-refused", 1);
        try (CheckedProducer p = new CheckedProducer(bootstrap, "topic it-checked-refused")) {
            p.send(new ProducerRecord<>("it-checked-refused", "small".getBytes(StandardCharsets.UTF_8)));
            // Over the broker's default message.max.bytes (1 MiB), under the producer's 8 MiB limit.
            p.send(new ProducerRecord<>("it-checked-refused", new byte[2 * 1024 * 1024]));
            assertThatThrownBy(p::flush)
                    .isInstanceOf(CheckedProducer.ProduceFailedException.class)
                    .hasMessageContaining("1 of 2 records were NOT written to topic it-checked-refused")
                    .hasMessageContaining("RecordTooLarge");
        }
    }

    @Test
    void recordsOfAFreshTopicLandInSendOrder() throws Exception {
        String bootstrap = Services.kafkaBootstrap();
        String topic = "it-checked-order";
        Produce.createTopic(bootstrap, topic, 3);
        int n = 3000;
        try (CheckedProducer p = new CheckedProducer(bootstrap, "topic " + topic)) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, i % 3, null, Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
            assertThat(p.sent()).isEqualTo(n);
        }
        Map<String, Object> c = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> parts = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            List<List<Integer>> got = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            // Reads on until all n are in (consumer.poll waits up to 200 ms itself: no pause between reads).
            Await.lastRead(Duration.ofSeconds(60), Duration.ZERO, () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(r.offset()).isEqualTo(got.get(r.partition()).size());
                    got.get(r.partition()).add(Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8)));
                }
                return got.stream().mapToInt(List::size).sum();
            }, total -> total >= n);
            for (int part = 0; part < 3; part++) {
                List<Integer> expected = new ArrayList<>();
                for (int i = part; i < n; i += 3) {
                    expected.add(i);
                }
                assertThat(got.get(part)).as("partition %d", part).isEqualTo(expected);
            }
        }
    }
}
