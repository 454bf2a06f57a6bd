package dev.usermetrics.sink;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.usermetrics.budgets.BudgetAlert;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Properties;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/**
 * The alerts topic: every budget alert record as JSON ({@link Json}), keyed by its alert id (a
 * crossing and its resolution land in one partition, in order), sent by the official Kafka sink
 * with a transactional producer: the records of a checkpoint are committed when it completes, so
 * a {@code read_committed} consumer sees each exactly once, also across restarts.
 */
public final class AlertTopic {
    /**
     * Below the brokers' default transaction.max.timeout.ms (15 min; the producer's own default
     * of 1 h is refused) and far above a checkpoint interval: a transaction stays open from one
     * checkpoint to the next.
     */
    static final int TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

    private AlertTopic() {}

    /**
     * @param producer the client settings (TLS, SASL) as the job's consumer has them, minus consumer-only ones
     * @param transactionalIdPrefix unique per job writing the topic (the sink schema's name: one writer per schema)
     */
    public static KafkaSink<BudgetAlert> sink(String bootstrapServers, String topic, Properties producer, String transactionalIdPrefix) {
        return sink(bootstrapServers, topic, producer, transactionalIdPrefix, new Json());
    }

    /** The same with the given record values (tests: a value writer that fails once, to fail the sink mid-checkpoint). */
    public static KafkaSink<BudgetAlert> sink(String bootstrapServers, String topic, Properties producer, String transactionalIdPrefix,
            SerializationSchema<BudgetAlert> values) {
        Properties p = new Properties();
        p.putAll(producer);
        p.put("transaction.timeout.ms", Integer.toString(TRANSACTION_TIMEOUT_MS));
        return KafkaSink.<BudgetAlert>builder()
                .setBootstrapServers(bootstrapServers)
                .setKafkaProducerConfig(p)
                .setRecordSerializer(KafkaRecordSerializationSchema.<BudgetAlert>builder()
                        .setTopic(topic)
                        .setKeySerializationSchema((SerializationSchema<BudgetAlert>) a -> a.alertId.getBytes(StandardCharsets.UTF_8))
                        .setValueSerializationSchema(values)
                        .build())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .build();
    }

    /**
     * An alert as JSON, with the table's column names in camel case: decimals as JSON numbers
     * written exactly (their plain text), times as ISO-8601 instants, absent values as null.
     */
    public static final class Json implements SerializationSchema<BudgetAlert> {
        private static final long serialVersionUID = 1L;
        private transient ObjectMapper mapper;

        @Override
        public byte[] serialize(BudgetAlert a) {
            if (mapper == null) {
                // 1E-7 would be exact too, but readers expect 0.0000001.
                mapper = JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();
            }
            ObjectNode n = mapper.createObjectNode();
            n.put("alertId", a.alertId);
            n.put("state", a.state);
            n.put("projectId", a.projectId);
            n.put("userId", a.userId);
            n.put("budgetId", a.budgetId);
            n.put("measure", a.measure);
            n.put("timeWindow", a.window);
            n.put("environment", a.environment);
            n.put("windowStart", a.windowStartMillis == null ? null : Instant.ofEpochMilli(a.windowStartMillis).toString());
            n.put("threshold", a.threshold);
            n.put("crossing", a.crossing);
            n.put("limit", a.limit);
            n.put("thresholdValue", a.thresholdValue);
            n.put("valueAtCrossing", a.valueAtCrossing);
            n.put("crossedAt", Instant.ofEpochMilli(a.crossedAtMillis).toString());
            n.put("valueAtResolution", a.valueAtResolution);
            n.put("resolvedAt", a.resolvedAtMillis == null ? null : Instant.ofEpochMilli(a.resolvedAtMillis).toString());
            try {
                return mapper.writeValueAsBytes(n);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write alert " + a.alertId, e);
            }
        }
    }
}
