package dev.usermetrics.functions;

import dev.usermetrics.pricing.PriceSnapshot;
import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

/** An opened operator harness around a {@link TraceResolver} (keyed by trace, prices broadcast). */
final class ResolverHarness {
    private ResolverHarness() {}

    static KeyedBroadcastOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution> open(TraceResolver r)
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(r, new Keys.ByTrace(), Types.STRING,
                TraceResolver.PRICES);
    }
}
