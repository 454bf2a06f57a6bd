package dev.usermetrics.functions;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * An in-memory buffer that folds records with the same key and emits the buffer when it holds
 * {@code maxEntries} keys, every {@code flushIntervalMillis} (0: never), before every checkpoint
 * barrier and at end of input. Bounded runs use no timer (folding until the barrier folds far
 * more); live jobs flush every 200 ms so the work downstream does not arrive in one burst at the
 * barrier, which delays the checkpoint and with it every row (freshness). Because it is emptied before each barrier, it needs no Flink state and never
 * changes what a checkpoint means: everything upstream state has produced is downstream of the
 * barrier's snapshot. Every buffered key is emitted (nothing is filtered), which keeps the
 * restart invariant of the sinks: a replay touches every row the failed attempt touched.
 */
public abstract class FlushingBuffer<K, T> extends AbstractStreamOperator<T>
        implements OneInputStreamOperator<T, T>, BoundedOneInput {

    private final int maxEntries;
    private final long flushIntervalMillis;
    private transient Map<K, T> buffer;

    protected FlushingBuffer(int maxEntries, long flushIntervalMillis) {
        this.maxEntries = maxEntries;
        this.flushIntervalMillis = flushIntervalMillis;
    }

    /** The key records are folded by. */
    protected abstract K key(T record);

    /** Folds {@code incoming} into {@code buffered} (same key); returns the value to keep. */
    protected abstract T fold(T buffered, T incoming);

    @Override
    public void open() throws Exception {
        super.open();
        buffer = new LinkedHashMap<>();
        Periodic.every(getProcessingTimeService(), flushIntervalMillis, this::flush);
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        T record = element.getValue();
        buffer.merge(key(record), record, this::fold);
        if (buffer.size() >= maxEntries) {
            flush();
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void endInput() {
        flush();
    }

    private void flush() {
        if (buffer.isEmpty()) {
            return;
        }
        StreamRecord<T> reuse = new StreamRecord<>(null);
        for (T value : buffer.values()) {
            output.collect(reuse.replace(value));
        }
        buffer.clear();
    }

    /** Keys currently buffered (for tests). */
    int buffered() {
        return buffer.size();
    }
}
