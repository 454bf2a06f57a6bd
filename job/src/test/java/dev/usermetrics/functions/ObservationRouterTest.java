package dev.usermetrics.functions;

import static dev.usermetrics.functions.Events.obs;
import static dev.usermetrics.functions.Events.trace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ObservationRouterTest {
    private KeyedOneInputStreamOperatorTestHarness<String, IngestionEvent, IngestionEvent> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ObservationRouter()), new Keys.ByRoute(), Types.STRING);
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private List<String> send(IngestionEvent e) throws Exception {
        int before = harness.extractOutputValues().size();
        harness.processElement(new StreamRecord<>(e));
        List<IngestionEvent> out = harness.extractOutputValues();
        return out.subList(before, out.size()).stream().map(x -> x.kind + ":" + x.eventId + "->" + x.traceId).toList();
    }

    @Test
    void traceEventsPassThrough() throws Exception {
        assertThat(send(trace("e1", 10, "t1", "u1"))).containsExactly("TRACE:e1->t1");
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void anIdleRouteIsDroppedAfterTheTtl() throws Exception {
        harness.close();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ObservationRouter(new IdleExpiry(java.time.Duration.ofMinutes(10)))),
                new Keys.ByRoute(), Types.STRING);
        harness.open();
        harness.setProcessingTime(0);
        send(obs("e1", 10, "t1", "o1", null, 10L, null, null));
        harness.setProcessingTime(9 * 60_000);
        assertThat(send(obs("e1", 10, "t1", "o1", null, 10L, null, null))).isEmpty(); // still a duplicate
        harness.setProcessingTime(11 * 60_000);
        assertThat(harness.numKeyedStateEntries()).isZero();
        // Afterwards the member starts a new route.
        assertThat(send(obs("e2", 20, "t2", "o1", null, null, null, null))).containsExactly("OBSERVATION:e2->t2");
    }

    @Test
    void aLaterEventNamingAnotherTraceStaysWithTheFirstTrace() throws Exception {
        assertThat(send(obs("e1", 10, "t1", "o1", null, 10L, null, null))).containsExactly("OBSERVATION:e1->t1");
        assertThat(send(obs("e2", 20, "t2", "o1", "u9", null, Map.of("input", 5L), null)))
                .containsExactly("OBSERVATION:e2->t1");
    }

    @Test
    void anEarlierEventNamingAnotherTraceMovesTheWholeObservation() throws Exception {
        send(obs("e2", 20, "t1", "o1", null, 20L, Map.of("input", 5L), null));
        send(obs("e3", 30, "t1", "o1", null, null, null, null));
        assertThat(send(obs("e1", 10, "t2", "o1", null, 10L, null, null))).containsExactly(
                "OBSERVATION_MOVED_AWAY:e1->t1", "OBSERVATION:e2->t2", "OBSERVATION:e3->t2", "OBSERVATION:e1->t2");
        // Afterwards every event goes to t2.
        assertThat(send(obs("e4", 40, "t1", "o1", null, null, null, null))).containsExactly("OBSERVATION:e4->t2");
    }

    @Test
    void duplicatesAreDropped() throws Exception {
        send(obs("e1", 10, "t1", "o1", null, 10L, null, null));
        assertThat(send(obs("e1", 10, "t1", "o1", null, 10L, null, null))).isEmpty();
    }

    @Test
    void theResolverLetsAMovedObservationGoAndForgetsATraceLeftEmpty() throws Exception {
        var resolver = ResolverHarness.open(new TraceResolver());
        resolver.processElement(new StreamRecord<>(obs("e2", 20, "t1", "o1", "u1", 20L, Map.of("input", 5L), null)));
        assertThat(ResolverHarness.keyedStateEntries(resolver)).isEqualTo(2);
        IngestionEvent moved = obs("e1", 10, "t1", "o1", null, 10L, null, null);
        moved.kind = EntityKind.OBSERVATION_MOVED_AWAY;
        resolver.processElement(new StreamRecord<>(moved));
        // Everything t1 emitted for u1 is retracted, and t1 keeps no state.
        long traces = 0;
        long observations = 0;
        long input = 0;
        for (var c : resolver.extractOutputValues()) {
            traces += c.delta.traces;
            observations += c.delta.observations;
            input += c.delta.usage.getOrDefault("input", 0L);
        }
        assertThat(traces).isZero();
        assertThat(observations).isZero();
        assertThat(input).isZero();
        assertThat(ResolverHarness.keyedStateEntries(resolver)).isZero();
        resolver.close();
    }
}
