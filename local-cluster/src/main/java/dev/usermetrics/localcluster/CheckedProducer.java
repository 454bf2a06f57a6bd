package dev.usermetrics.localcluster;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A Kafka producer for loading events (files, generated data, test scenarios) that never loses a
 * record silently: every send is checked, and {@link #flush()} throws when any record was not
 * written. A plain {@code send(); flush();} returns normally after records failed — seen on a
 * loaded machine, where a topic created a moment earlier answered NOT_LEADER_OR_FOLLOWER, the
 * idempotent producer's next batches got OUT_OF_ORDER_SEQUENCE_NUMBER until their delivery
 * timeout, and 53 records of one partition were gone (the job then rightly computed other
 * totals). One request in flight keeps the retries in order, so records land in send order.
 */
public final class CheckedProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String what;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    /** {@code what} names the destination in error messages (e.g. the topic). */
    public CheckedProducer(String bootstrap, String what) {
        this.producer = new KafkaProducer<>(config(bootstrap));
        this.what = what;
    }

    static Properties config(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 * 1024 * 1024));
        return p;
    }

    public void send(ProducerRecord<byte[], byte[]> record) {
        sent.incrementAndGet();
        producer.send(record, (metadata, e) -> {
            if (e != null) {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, e);
            }
        });
    }

    /** Waits for every record sent so far; throws when any of them was not written. */
    public void flush() throws ProduceFailedException {
        producer.flush();
        long n = failed.get();
        if (n > 0) {
            throw new ProduceFailedException(n + " of " + sent.get() + " records were NOT written to " + what
                    + " (first error: " + firstFailure.get() + "); the topic is incomplete: delete it and produce again",
                    firstFailure.get());
        }
    }

    public long sent() {
        return sent.get();
    }

    @Override
    public void close() {
        producer.close();
    }

    /** Some records did not reach Kafka. */
    public static final class ProduceFailedException extends Exception {
        ProduceFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
