package dev.usermetrics.functions;

import dev.usermetrics.pricing.PriceSnapshot;
import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.MetricsRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The trace stage's operator: Flink's keyed-broadcast operator around {@link TraceResolver},
 * plus a bundle (the model of Flink SQL's mini-batch, {@code KeyedMapBundleOperator}): trace
 * events are buffered in heap grouped by trace, and each trace's events are applied together,
 * its state read once and written once ({@link TraceStateCache}) instead of once per event.
 *
 * <p>The bundle is applied when it holds {@code maxEvents} events, before every checkpoint
 * barrier (so it needs no state and a checkpoint means what it meant), at end of input, before a
 * model-price snapshot is applied (re-pricing iterates the state) and before the clock advances
 * (a watermark, {@link DataClock}: an expiry must see the trace's latest events). The events of a
 * trace applied together count as activity at the latest data time among them. A final watermark
 * (end of input, or a drain) fires no expiry: nothing can arrive after it, so expiring would only
 * cost a state access per trace. Within a trace the events keep their order; across
 * traces the order changes, which changes nothing downstream (contributions are summed exactly).
 * Same state, timer service and uid as {@code connect(broadcast).process(...)}: savepoints carry
 * over.
 */
public class TraceBundleOperator extends CoBroadcastWithKeyedOperator<String, IngestionEvent, PriceSnapshot, Contribution>
        implements BoundedMultiInput {

    private final TraceResolver resolver;
    private final int maxEvents;
    private final long applyIntervalMillis;
    private final Keys.ByTrace keys = new Keys.ByTrace();
    private transient Map<String, Pending> bundle;
    private transient int buffered;

    public TraceBundleOperator(TraceResolver resolver, int maxEvents) {
        this(resolver, maxEvents, 0);
    }

    /** applyIntervalMillis: live jobs also apply the bundle this often (0: only on size, barrier, ...). */
    public TraceBundleOperator(TraceResolver resolver, int maxEvents, long applyIntervalMillis) {
        super(resolver, List.of(TraceResolver.PRICES));
        this.resolver = resolver;
        this.maxEvents = maxEvents;
        this.applyIntervalMillis = applyIntervalMillis;
    }

    @Override
    public void open() throws Exception {
        super.open();
        bundle = new LinkedHashMap<>();
        buffered = 0;
        // A trace's rows are emitted when its events are done, after their element's context ended.
        StreamRecord<MetricsRow> row = new StreamRecord<>(null);
        resolver.emitRowsTo(r -> output.collect(TraceResolver.ROWS, row.replace(r)));
        Periodic.every(getProcessingTimeService(), applyIntervalMillis, this::applyBundle);
    }

    @Override
    public void processElement1(StreamRecord<IngestionEvent> element) throws Exception {
        IngestionEvent e = element.getValue();
        Pending p = bundle.computeIfAbsent(keys.getKey(e), k -> new Pending());
        p.events.add(e);
        if (element.hasTimestamp()) {
            p.latestMillis = Math.max(p.latestMillis, element.getTimestamp());
        }
        if (++buffered >= maxEvents) {
            applyBundle();
        }
    }

    @Override
    public void processElement2(StreamRecord<PriceSnapshot> element) throws Exception {
        applyBundle();
        super.processElement2(element);
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        applyBundle();
        setCurrentKey(timer.getKey()); // the bundle switched keys
        super.onProcessingTime(timer);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        applyBundle();
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            output.emitWatermark(mark); // end of input or drain: no expiry (see above)
            return;
        }
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        applyBundle();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput(int inputId) throws Exception {
        if (inputId == 1) {
            applyBundle();
        }
    }

    @Override
    public void finish() throws Exception {
        applyBundle();
        super.finish();
    }

    private void applyBundle() throws Exception {
        if (buffered == 0) {
            return;
        }
        StreamRecord<IngestionEvent> record = new StreamRecord<>(null);
        for (Pending p : bundle.values()) {
            if (p.latestMillis == Long.MIN_VALUE) {
                record.eraseTimestamp();
            } else {
                record.setTimestamp(p.latestMillis);
            }
            record.replace(p.events.get(0));
            setKeyContextElement1(record);
            resolver.beginKey();
            for (IngestionEvent e : p.events) {
                super.processElement1(record.replace(e));
            }
            resolver.endKey();
        }
        bundle.clear();
        buffered = 0;
    }

    /** One trace's buffered events, and the latest data time among them (MIN_VALUE: none). */
    private static final class Pending {
        final List<IngestionEvent> events = new ArrayList<>(4);
        long latestMillis = Long.MIN_VALUE;
    }

    /** Events buffered (for tests). */
    int buffered() {
        return buffered;
    }
}
