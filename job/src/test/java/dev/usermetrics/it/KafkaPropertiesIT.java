package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.UserMetricsJob;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Consumer properties reach the job's Kafka source: by default it reads committed records only
 * (an aborted transaction's events are not counted), and --kafka.property overrides that.
 */
class KafkaPropertiesIT {

    private static String trace(String id, String user) {
        return "{\"id\":\"e-" + id + "\",\"timestamp\":\"2026-11-25T10:00:00Z\",\"type\":\"trace-create\",\"projectId\":\"p1\","
                + "\"body\":{\"id\":\"" + id + "\",\"userId\":\"" + user + "\"}}";
    }

    /** One committed transaction (user u-committed) and one aborted (user u-aborted). */
    private static void produceTransactions(String topic) throws Exception {
        dev.usermetrics.localcluster.Produce.createTopic(Services.kafkaBootstrap(), topic, 1);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Services.kafkaBootstrap());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-" + topic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, trace("t-committed", "u-committed").getBytes(StandardCharsets.UTF_8)));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, trace("t-aborted", "u-aborted").getBytes(StandardCharsets.UTF_8)));
            producer.flush();
            producer.abortTransaction();
        }
    }

    private static List<String> users(String schema) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = Services.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT user_id FROM " + schema + ".user_metrics ORDER BY user_id")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void abortedTransactionsAreNotReadUnlessAPropertySaysSo() throws Exception {
        String topic = "it-kafka-transactions";
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS it_kafka_committed CASCADE");
            s.execute("DROP SCHEMA IF EXISTS it_kafka_uncommitted CASCADE");
        }
        produceTransactions(topic);

        JobArgs.run(JobArgs.bounded(topic, "it_kafka_committed"));
        assertThat(users("it_kafka_committed")).containsExactly("u-committed");

        JobArgs.run(JobArgs.bounded(topic, "it_kafka_uncommitted", "--kafka.group-id", "it-uncommitted",
                "--kafka.property", "isolation.level=read_uncommitted", "--kafka.property", "client.id=it-uncommitted"));
        assertThat(users("it_kafka_uncommitted")).containsExactly("u-aborted", "u-committed");
    }
}
