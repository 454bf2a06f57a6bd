package dev.usermetrics.records;

/** One Kafka record as read, before parsing; keeps its coordinates for rejected_events. */
public class RawRecord {
    public byte[] value;
    public String topic;
    public int partition;
    public long offset;
    /** The Kafka record's timestamp (epoch millis; -1: none): the version of OTLP spans. */
    public long timestampMillis = -1;

    public RawRecord() {}

    public RawRecord(byte[] value, String topic, int partition, long offset) {
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    public RawRecord(byte[] value, String topic, int partition, long offset, long timestampMillis) {
        this(value, topic, partition, offset);
        this.timestampMillis = timestampMillis;
    }
}
