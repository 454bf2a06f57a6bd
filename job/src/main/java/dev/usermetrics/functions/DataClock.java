package dev.usermetrics.functions;

import dev.usermetrics.records.RawRecord;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * The job's clock for state retention (the trace TTL, {@link IdleExpiry}): the Kafka time of the
 * records read, per partition, the job's watermark being the least of its partitions'. The clock
 * stops while the job is down and runs at the speed the job reads: after an outage or in a
 * replay, a trace expires only once every partition has been read past its last event by the TTL.
 *
 * <p>Bounds, so that a client cannot move the clock: a record's time is never ahead of the wall
 * clock (a producer-set timestamp in the future counts as now), and a record without a timestamp
 * counts as now. A partition without records for {@link #IDLE_PARTITION} stops holding the clock
 * back (otherwise one quiet partition would keep every trace forever). Records are never dropped
 * or reordered by this clock; it only decides when idle state goes.
 */
public final class DataClock {
    /** A partition that delivered nothing for this long (processing time) does not hold the clock back. */
    public static final Duration IDLE_PARTITION = Duration.ofMinutes(1);

    private DataClock() {}

    /** The input's watermarks: Kafka time, never ahead of the wall clock. */
    public static WatermarkStrategy<RawRecord> ofInput() {
        return WatermarkStrategy.<RawRecord>forGenerator(ctx -> new KafkaTimeWatermarks())
                .withTimestampAssigner(new KafkaTimeNotAhead())
                .withIdleness(IDLE_PARTITION);
    }

    /**
     * Monotonous timestamps (the watermark is just below the latest time read), emitted
     * periodically and also at once, in the stream, whenever the latest time enters a new hour:
     * the trailing windows roll at hour boundaries ({@link TrailingWindows}), so a short
     * bounded run, which may end before any periodic watermark, still ends with the hour of
     * the data it read (and so with the same windows whatever its speed).
     */
    static final class KafkaTimeWatermarks implements WatermarkGenerator<RawRecord> {
        private static final long HOUR = 3_600_000L;
        private long latest = Long.MIN_VALUE + 1;
        private long latestHour = Long.MIN_VALUE;

        @Override
        public void onEvent(RawRecord r, long timestamp, WatermarkOutput output) {
            if (timestamp <= latest) {
                return;
            }
            latest = timestamp;
            long hour = Math.floorDiv(timestamp - 1, HOUR);
            if (hour > latestHour) {
                latestHour = hour;
                output.emitWatermark(new Watermark(latest - 1));
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(latest - 1));
        }
    }

    /**
     * For the model-price stream, which carries no data time: its watermark is "no constraint",
     * so the trace stage's clock (the least of its inputs') is the input's alone.
     */
    public static <T> WatermarkStrategy<T> none() {
        return WatermarkStrategy.forGenerator(ctx -> new NoConstraint<T>());
    }

    /** A record's data time: its Kafka timestamp, or now when that is missing or in the future. */
    static final class KafkaTimeNotAhead implements SerializableTimestampAssigner<RawRecord> {
        @Override
        public long extractTimestamp(RawRecord r, long kafkaTimestamp) {
            long now = System.currentTimeMillis();
            return kafkaTimestamp < 0 || kafkaTimestamp > now ? now : kafkaTimestamp;
        }
    }

    private static final class NoConstraint<T> implements WatermarkGenerator<T> {
        @Override
        public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {}

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(Long.MAX_VALUE));
        }
    }
}
