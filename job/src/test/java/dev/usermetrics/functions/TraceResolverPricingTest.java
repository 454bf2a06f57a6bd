package dev.usermetrics.functions;

import static dev.usermetrics.functions.Events.SEC;
import static dev.usermetrics.functions.Events.obs;
import static dev.usermetrics.functions.Events.trace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.pricing.PriceDefinition;
import dev.usermetrics.pricing.PriceSnapshot;
import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.ModelMetrics;
import dev.usermetrics.testing.PrivateState;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cost from model prices in the trace stage: observations are priced by the broadcast snapshot,
 * provided cost wins, unmatched models are counted, and a new snapshot re-prices the observations
 * in state so that the sum of everything emitted equals pricing with the new snapshot from the
 * start. Expected costs are usage × the prices below, worked out by hand in the comments.
 */
class TraceResolverPricingTest {
    private KeyedBroadcastOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution> harness;

    /** Global gpt-x: input 0.000002, output 0.000008 per token. */
    private static PriceDefinition globalGpt(String input) {
        return new PriceDefinition("g-gpt", null, "gpt-x", "^gpt-x$", null, "TOKENS",
                Map.of("input", new BigDecimal(input), "output", new BigDecimal("0.000008")));
    }

    /** Project p's gpt-x from t = 100 s: input 0.000001, output 0.000004. */
    private static final PriceDefinition PROJECT_GPT = new PriceDefinition("p-gpt", "p", "gpt-x", "^gpt-x$", 100 * SEC,
            "TOKENS", Map.of("input", new BigDecimal("0.000001"), "output", new BigDecimal("0.000004")));

    @BeforeEach
    void setUp() throws Exception {
        harness = ResolverHarness.open(new TraceResolver());
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void prices(PriceDefinition... definitions) throws Exception {
        harness.processBroadcastElement(PriceSnapshot.of(List.of(definitions)), 0);
    }

    private void send(IngestionEvent... events) throws Exception {
        for (IngestionEvent e : events) {
            harness.processElement(e, 0);
        }
    }

    private static IngestionEvent model(IngestionEvent e, String model) {
        e.model = model;
        return e;
    }

    /** Everything emitted so far, summed (one user). */
    private Contribution total() {
        Contribution sum = new Contribution("p", "u1", "default", 0);
        for (Contribution c : harness.extractOutputValues()) {
            sum.delta.add(c.delta, +1);
            c.byModel.forEach((m, d) -> sum.byModel.computeIfAbsent(m, k -> new ModelMetrics()).add(d, +1));
        }
        return sum;
    }

    private void sendGptPair() throws Exception {
        send(trace("e1", 10, "t1", "u1"),
                // start 50 s: before p-gpt starts, so global: 1000 × 0.000002 + 500 × 0.000008 = 0.006
                model(obs("e2", 50, "t1", "o1", null, 50L, Map.of("input", 1000L, "output", 500L), null), "gpt-x"),
                // start 150 s: project p's definition: 1000 × 0.000001 + 500 × 0.000004 = 0.003
                model(obs("e3", 150, "t1", "o2", null, 150L, Map.of("input", 1000L, "output", 500L), null), "GPT-X"));
    }

    @Test
    void usageWithoutCostIsPricedByTheProjectDefinitionFromItsStartElseTheGlobalOne() throws Exception {
        prices(globalGpt("0.000002"), PROJECT_GPT);
        sendGptPair();
        Contribution t = total();
        assertThat(t.delta.totalCost).isEqualByComparingTo("0.009");
        assertThat(t.delta.calculatedTotalCost).isEqualByComparingTo("0.009");
        // input 0.002 + 0.001, output 0.004 + 0.002
        assertThat(t.delta.cost.get("input")).isEqualByComparingTo("0.003");
        assertThat(t.delta.cost.get("output")).isEqualByComparingTo("0.006");
        assertThat(t.byModel.get("gpt-x").calculatedTotalCost).isEqualByComparingTo("0.006");
        assertThat(t.byModel.get("GPT-X").calculatedTotalCost).isEqualByComparingTo("0.003");
    }

    @Test
    void providedCostWinsAndAnUnmatchedModelIsCountedUnpriced() throws Exception {
        prices(globalGpt("0.000002"));
        send(trace("e1", 10, "t1", "u1"),
                model(obs("e2", 50, "t1", "o1", null, 50L, Map.of("input", 1000L), Map.of("total", new BigDecimal("0.5"))), "gpt-x"),
                model(obs("e3", 50, "t1", "o2", null, 50L, Map.of("input", 1000L), null), "llama-local"),
                // no usage: nothing to price, not unpriced
                model(obs("e4", 50, "t1", "o3", null, 50L, null, null), "llama-local"));
        Contribution t = total();
        assertThat(t.delta.totalCost).isEqualByComparingTo("0.5");
        assertThat(t.delta.calculatedTotalCost).isEqualByComparingTo("0");
        assertThat(t.byModel.get("llama-local").unpricedObservations).isEqualTo(1);
        assertThat(t.byModel.get("llama-local").observations).isEqualTo(2);
        assertThat(t.byModel.get("gpt-x").unpricedObservations).isZero();
    }

    @Test
    void aNewSnapshotRepricesTheObservationsInStateExactly() throws Exception {
        prices(globalGpt("0.000002"), PROJECT_GPT);
        sendGptPair();
        send(model(obs("e4", 60, "t1", "o3", null, 60L, Map.of("input", 10L), null), "llama-local"));
        int before = harness.extractOutputValues().size();

        // The same content again (decimals written differently): nothing to do.
        prices(globalGpt("0.0000020"), PROJECT_GPT);
        assertThat(harness.extractOutputValues()).hasSize(before);

        // Global input price 0.000003, and llama-local gets a total price of 0.01.
        prices(globalGpt("0.000003"), PROJECT_GPT, new PriceDefinition("g-llama", null, "llama-local", "^llama-local$",
                null, "TOKENS", Map.of("total", new BigDecimal("0.01"))));
        Contribution t = total();
        // o1: 1000 × 0.000003 + 500 × 0.000008 = 0.007; o2 unchanged 0.003; o3: 10 × 0.01 = 0.1
        assertThat(t.delta.totalCost).isEqualByComparingTo("0.11");
        assertThat(t.delta.calculatedTotalCost).isEqualByComparingTo("0.11");
        assertThat(t.delta.observations).isEqualTo(3);
        assertThat(t.byModel.get("llama-local").unpricedObservations).isZero();
        assertThat(t.byModel.get("llama-local").totalCost).isEqualByComparingTo("0.1");

        var state = PrivateState.keyed(harness, Keys.of("p", "t1"), TraceResolver.observationsDescriptor());
        assertThat(state.get("o1").calculatedCost.get("total")).isEqualByComparingTo("0.007");
        assertThat(state.get("o3").unpriced).isFalse();

        // Removing every definition takes the calculated cost back to 0 and leaves two unpriced.
        prices();
        t = total();
        assertThat(t.delta.totalCost.signum()).isZero();
        assertThat(t.delta.cost).isEmpty();
        assertThat(t.byModel.values().stream().mapToLong(m -> m.unpricedObservations).sum()).isEqualTo(3);
    }

    @Test
    void observationsProcessedBeforeTheFirstSnapshotArePricedWhenItArrives() throws Exception {
        sendGptPair();
        assertThat(total().delta.totalCost.signum()).isZero();
        prices(globalGpt("0.000002"), PROJECT_GPT);
        assertThat(total().delta.totalCost).isEqualByComparingTo("0.009");
        assertThat(total().delta.calculatedTotalCost).isEqualByComparingTo("0.009");
    }

    @Test
    void aUserChangeMovesTheCalculatedCostWithTheTrace() throws Exception {
        prices(globalGpt("0.000002"), PROJECT_GPT);
        sendGptPair();
        send(trace("e9", 20, "t1", "u2"));
        List<Contribution> out = new ArrayList<>(harness.extractOutputValues());
        BigDecimal u1 = BigDecimal.ZERO;
        BigDecimal u2 = BigDecimal.ZERO;
        for (Contribution c : out) {
            if (c.userId.equals("u1")) {
                u1 = u1.add(c.delta.calculatedTotalCost);
            } else {
                u2 = u2.add(c.delta.calculatedTotalCost);
            }
        }
        assertThat(u1.signum()).isZero();
        assertThat(u2).isEqualByComparingTo("0.009");
    }
}
