package dev.usermetrics.functions;

import static dev.usermetrics.functions.Events.obs;
import static dev.usermetrics.functions.Events.score;
import static dev.usermetrics.functions.Events.withEnv;
import static dev.usermetrics.functions.Events.trace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.Metrics;
import dev.usermetrics.records.ScoreDataType;
import dev.usermetrics.testing.PrivateState;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import dev.usermetrics.pricing.PriceSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TraceResolverTest {
    private KeyedBroadcastOperatorTestHarness<String, IngestionEvent, PriceSnapshot, Contribution> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ResolverHarness.open(new TraceResolver());
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void send(IngestionEvent... events) throws Exception {
        for (IngestionEvent e : events) {
            harness.processElement(new StreamRecord<>(e));
        }
    }

    private List<Contribution> output() {
        return harness.extractOutputValues();
    }

    /** Sums everything emitted so far per "user/environment" (with scores and models). */
    private Map<String, Contribution> perUserEnv() {
        Map<String, Contribution> m = new java.util.TreeMap<>();
        for (Contribution c : output()) {
            m.computeIfAbsent(c.userId + "/" + c.environment, k -> new Contribution("p", c.userId, c.environment, 0)).add(c);
        }
        m.values().removeIf(c -> c.delta.isZero() && c.traceTimes.isEmpty()
                && c.scores.values().stream().allMatch(dev.usermetrics.records.ScoreDelta::isZero)
                && c.byModel.values().stream().allMatch(dev.usermetrics.records.ModelMetrics::isZero));
        return m;
    }

    @Test
    void scoresCountForTheTracesUserAndFollowItWhenItChanges() throws Exception {
        send(score("s1", 5, "t1", "sc1", "quality", ScoreDataType.NUMERIC, "0.5", null));
        assertThat(output()).isEmpty(); // no user yet: the score waits in the trace's state
        send(trace("e1", 10, "t1", "u1"),
                score("s2", 11, "t1", "sc2", "mood", ScoreDataType.CATEGORICAL, null, "good"));
        Map<String, Contribution> m = perUserEnv();
        assertThat(m).containsOnlyKeys("u1/default");
        assertThat(m.get("u1/default").delta.scores).isEqualTo(2);
        assertThat(m.get("u1/default").scores.get("NUMERIC:quality").valueSum).isEqualByComparingTo("0.5");
        assertThat(m.get("u1/default").scores.get("CATEGORICAL:mood").labels).isEqualTo(Map.of("good", 1L));

        send(trace("e2", 20, "t1", "u2"));
        m = perUserEnv();
        assertThat(m).containsOnlyKeys("u2/default");
        assertThat(m.get("u2/default").delta.scores).isEqualTo(2);
        assertThat(m.get("u2/default").delta.traces).isEqualTo(1);
    }

    @Test
    void theSameScoreIdReplacesItsValueAndKeepsItsFirstTime() throws Exception {
        send(trace("e1", 10, "t1", "u1"),
                score("s1", 20, "t1", "sc1", "quality", ScoreDataType.NUMERIC, "0.25", null),
                score("s3", 40, "t1", "sc1", "quality", ScoreDataType.NUMERIC, "0.75", null),
                score("s2", 30, "t1", "sc1", "quality", ScoreDataType.NUMERIC, "9", null), // older: loses
                score("s3", 40, "t1", "sc1", "quality", ScoreDataType.NUMERIC, "0.75", null)); // duplicate
        Contribution c = perUserEnv().get("u1/default");
        assertThat(c.delta.scores).isEqualTo(1);
        assertThat(c.scores.get("NUMERIC:quality").count).isEqualTo(1);
        assertThat(c.scores.get("NUMERIC:quality").valueSum).isEqualByComparingTo("0.75");
        assertThat(c.scores.get("NUMERIC:quality").times).isEqualTo(Map.of(20 * Events.SEC, 1L));
    }

    @Test
    void anEnvironmentChangeMovesTheWholeTrace() throws Exception {
        send(withEnv(trace("e1", 10, "t1", "u1"), "production"),
                obs("e2", 11, "t1", "o1", null, 11L, Map.of("input", 5L), null),
                score("s1", 12, "t1", "sc1", "helpful", ScoreDataType.BOOLEAN, "1", "True"));
        assertThat(perUserEnv()).containsOnlyKeys("u1/production");

        // A later observation event says "staging": last write wins for the whole trace.
        send(withEnv(obs("e3", 50, "t1", "o2", null, 50L, null, null), "staging"));
        Map<String, Contribution> m = perUserEnv();
        assertThat(m).containsOnlyKeys("u1/staging");
        assertThat(m.get("u1/staging").delta.traces).isEqualTo(1);
        assertThat(m.get("u1/staging").delta.observations).isEqualTo(2);
        assertThat(m.get("u1/staging").delta.scores).isEqualTo(1);
        assertThat(m.get("u1/staging").byModel.get("").observations).isEqualTo(2);

        // An earlier-ordered event does not change it.
        send(withEnv(trace("e0", 1, "t1", null), "dev"));
        assertThat(perUserEnv()).containsOnlyKeys("u1/staging");
    }

    @Test
    void aModelChangeMovesTheObservationBetweenModelRows() throws Exception {
        IngestionEvent first = obs("e2", 11, "t1", "o1", "u1", 11L, Map.of("input", 5L), null);
        first.model = "gpt-4o";
        IngestionEvent later = obs("e3", 12, "t1", "o1", null, null, Map.of("input", 7L, "output", 1L), null);
        later.model = "gpt-4o-mini";
        send(first, later);
        Contribution c = perUserEnv().get("u1/default");
        assertThat(c.byModel.get("gpt-4o").isZero()).isTrue();
        assertThat(c.byModel.get("gpt-4o-mini").observations).isEqualTo(1);
        assertThat(c.byModel.get("gpt-4o-mini").inputTokens).isEqualTo(7);
        assertThat(c.byModel.get("gpt-4o-mini").totalTokens).isEqualTo(8);
    }

    @Test
    void theSameScoreIdUnderAnotherTraceIsAnotherScore() throws Exception {
        // Identity is (project, traceId, scoreId): an earlier event naming another trace does not
        // move the score there (it did while an observation-routing stage existed).
        send(trace("e1", 10, "t1", "u1"), trace("e2", 10, "t2", "u2"),
                score("s1", 20, "t1", "sc1", "quality", ScoreDataType.NUMERIC, "2", null),
                score("s0", 5, "t2", "sc1", "quality", ScoreDataType.NUMERIC, "3", null));
        assertThat(perUserEnv().get("u1/default").delta.scores).isEqualTo(1);
        assertThat(perUserEnv().get("u2/default").delta.scores).isEqualTo(1);
        assertThat(perUserEnv().get("u1/default").delta.traces).isEqualTo(1);
        assertThat(perUserEnv().get("u2/default").delta.traces).isEqualTo(1);
    }

    /** A harness whose TTL runs on data time as in the job (the price input carries no time). */
    private void openWithTtl(java.time.Duration ttl) throws Exception {
        harness.close();
        harness = ResolverHarness.open(new TraceResolver(new IdleExpiry(ttl)));
        harness.processBroadcastWatermark(Long.MAX_VALUE);
    }

    /** Sends events read at data time {@code atMillis} (their Kafka time), then the clock at it. */
    private void sendAt(long atMillis, IngestionEvent... events) throws Exception {
        for (IngestionEvent e : events) {
            harness.processElement(e, atMillis);
        }
        harness.processWatermark(atMillis);
    }

    @Test
    void anIdleTraceIsDroppedWholeAfterTheTtlInDataTimeAndItsTimesAreSettled() throws Exception {
        openWithTtl(java.time.Duration.ofMinutes(10));
        sendAt(0, trace("e1", 10, "t1", "u1"),
                obs("e2", 20, "t1", "o1", null, 20L, Map.of("input", 5L), null),
                score("s1", 30, "t1", "sc1", "quality", ScoreDataType.NUMERIC, "2", null));
        sendAt(5 * 60_000, obs("e3", 40, "t1", "o2", null, 40L, Map.of("input", 7L), null)); // activity: expiry moves on
        sendAt(11 * 60_000);
        assertThat(PrivateState.keyedEntries(harness)).isEqualTo(3); // trace, observations, scores: idle 6 minutes only
        int emitted = output().size();

        sendAt(16 * 60_000);
        assertThat(PrivateState.keyedEntries(harness)).isZero();
        List<Contribution> settle = output().subList(emitted, output().size());
        assertThat(settle).hasSize(1);
        Contribution c = settle.get(0);
        assertThat(c.onlySettles()).isTrue();
        assertThat(c.userId).isEqualTo("u1");
        assertThat(c.settledTraceTimes).isEqualTo(Map.of(10 * Events.SEC, 1L));
        assertThat(c.scores.get("NUMERIC:quality").settledTimes).isEqualTo(Map.of(30 * Events.SEC, 1L));
        // What the trace counted stays counted.
        assertThat(perUserEnv().get("u1/default").delta.observations).isEqualTo(2);

        // A late event of the expired trace starts it afresh: counted as a new trace.
        sendAt(17 * 60_000, obs("e4", 50, "t1", "o3", "u1", 50L, null, null));
        assertThat(perUserEnv().get("u1/default").delta.traces).isEqualTo(2);
    }

    @Test
    void theWallClockAloneExpiresNothing() throws Exception {
        // A job stopped for longer than the TTL: on restart the wall clock is far ahead, the data
        // clock is where the job stopped reading. The trace's next event, read late, still finds it.
        openWithTtl(java.time.Duration.ofMinutes(10));
        harness.setProcessingTime(0);
        sendAt(0, trace("e1", 10, "t1", "u1"), obs("e2", 20, "t1", "o1", null, 20L, Map.of("input", 5L), null));
        harness.setProcessingTime(60 * 60_000);
        assertThat(PrivateState.keyedEntries(harness)).isEqualTo(2);
        sendAt(2 * 60_000, obs("e3", 30, "t1", "o2", null, 30L, Map.of("input", 7L), null));
        assertThat(perUserEnv().get("u1/default").delta.traces).isEqualTo(1);
        assertThat(perUserEnv().get("u1/default").delta.observations).isEqualTo(2);
        assertThat(output()).noneMatch(Contribution::onlySettles);
    }

    @Test
    void anEventReadLateIsActivityAtTheClock() throws Exception {
        // Kafka time 1 min, read when the clock (another partition) is at 8 min: the trace is
        // idle from 8 min on, not from 1 min (it would otherwise expire 3 minutes early).
        openWithTtl(java.time.Duration.ofMinutes(10));
        sendAt(8 * 60_000);
        harness.processElement(trace("e1", 10, "t1", "u1"), 60_000);
        sendAt(12 * 60_000);
        assertThat(PrivateState.keyedEntries(harness)).isEqualTo(1);
        sendAt(18 * 60_000);
        assertThat(PrivateState.keyedEntries(harness)).isZero();
    }

    @Test
    void aDuplicateIsNoActivity() throws Exception {
        openWithTtl(java.time.Duration.ofMinutes(10));
        sendAt(0, trace("e1", 10, "t1", "u1"), obs("e2", 20, "t1", "o1", null, 20L, Map.of("input", 5L), null));
        int emitted = output().size();
        sendAt(5 * 60_000, trace("e1", 10, "t1", "u1"), obs("e2", 20, "t1", "o1", null, 20L, Map.of("input", 5L), null));
        assertThat(output()).hasSize(emitted); // nothing changed, nothing emitted
        sendAt(11 * 60_000);
        assertThat(PrivateState.keyedEntries(harness)).isZero(); // expired 10 minutes after e2, not after its copy
    }

    @Test
    void anObservationUpdatedManyTimesKeepsBoundedStateAndExactSums() throws Exception {
        // A buggy or hostile client updates one observation 20,000 times: the ids kept per
        // observation stay bounded (the per-event cost does not grow with its history), a
        // recent duplicate is still dropped, and an old one re-applied changes nothing.
        int updates = 20_000;
        send(trace("e-t", 1, "t1", "u1"));
        for (int i = 0; i < updates; i++) {
            send(obs("e" + i, 10 + i, "t1", "o1", null, 10L, Map.of("input", (long) i), null));
        }
        ObservationState o = observation("t1", "o1");
        assertThat(o.eventIds).hasSize(EventIds.MAX).endsWith("e" + (updates - 1));
        int before = output().size();
        send(obs("e" + (updates - 1), 10 + updates - 1, "t1", "o1", null, 10L, Map.of("input", (long) updates - 1), null));
        assertThat(output()).hasSize(before); // a recent duplicate: dropped, nothing emitted
        send(obs("e5", 15, "t1", "o1", null, 10L, Map.of("input", 5L), null)); // long forgotten: applied again
        Metrics m = perUser().get("u1");
        assertThat(m.observations).isEqualTo(1);
        assertThat(m.traces).isEqualTo(1);
        assertThat(m.usage).isEqualTo(Map.of("input", (long) updates - 1)); // the latest-ordered update's usage
        assertThat(observation("t1", "o1").eventIds).hasSize(EventIds.MAX);
    }

    private ObservationState observation(String trace, String id) throws Exception {
        return state(trace, TraceResolver.observationsDescriptor()).get(id);
    }

    /** Sums everything emitted so far per user (what the user stage will hold). */
    private Map<String, Metrics> perUser() {
        Map<String, Metrics> m = new HashMap<>();
        for (Contribution c : output()) {
            m.computeIfAbsent(c.userId, u -> new Metrics()).add(c.delta, +1);
        }
        m.values().removeIf(Metrics::isZero);
        return m;
    }

    @Test
    void nothingIsEmittedUntilTheTraceHasAUser() throws Exception {
        send(obs("e1", 10, "t1", "o1", null, 10L, Map.of("input", 5L), null),
                obs("e2", 11, "t1", "o2", null, 11L, null, null));
        assertThat(output()).isEmpty();

        // A late user (e.g. propagate_attributes called after the first spans ended) counts them all.
        send(trace("e3", 12, "t1", "u1"));
        Map<String, Metrics> users = perUser();
        assertThat(users).containsOnlyKeys("u1");
        assertThat(users.get("u1").traces).isEqualTo(1);
        assertThat(users.get("u1").observations).isEqualTo(2);
        assertThat(users.get("u1").usage).isEqualTo(Map.of("input", 5L));
        assertThat(users.get("u1").totalTokens).isEqualTo(5);
    }

    @Test
    void aChangedUserTakesEverythingWithIt() throws Exception {
        send(trace("e1", 10, "t1", "u1"),
                obs("e2", 11, "t1", "o1", "u1", 11L, Map.of("input", 3L, "output", 4L), Map.of("total", new BigDecimal("0.000000000001"))));
        assertThat(perUser()).containsOnlyKeys("u1");

        send(obs("e3", 20, "t1", "o2", "u2", 20L, Map.of("total", 7L), null));
        Map<String, Metrics> users = perUser();
        assertThat(users).containsOnlyKeys("u2");
        Metrics u2 = users.get("u2");
        assertThat(u2.traces).isEqualTo(1);
        assertThat(u2.observations).isEqualTo(2);
        assertThat(u2.usage).isEqualTo(Map.of("input", 3L, "output", 4L, "total", 7L));
        assertThat(u2.totalTokens).isEqualTo(7 + 7);
        assertThat(u2.totalCost).isEqualByComparingTo("0.000000000001");
    }

    /** Sums the emitted session changes per "user/environment/session". */
    private Map<String, Long> sessions() {
        Map<String, Long> m = new java.util.TreeMap<>();
        for (Contribution c : output()) {
            c.sessions.forEach((s, n) -> m.merge(c.userId + "/" + c.environment + "/" + s, n, Long::sum));
        }
        m.values().removeIf(n -> n == 0);
        return m;
    }

    /**
     * A trace's session is its latest-ordered event's valid sessionId (trace or observation, as
     * the user): the trace counts in it for its user, and moves when the user, the environment or
     * the session changes — also when the session arrives before the user.
     */
    @Test
    void aTraceCountsInItsSessionForItsUserAndMovesWithBoth() throws Exception {
        IngestionEvent first = obs("e1", 10, "t1", "o1", null, 10L, null, null);
        first.sessionId = "s1";
        send(first, trace("e2", 11, "t1", "u1"));
        assertThat(sessions()).containsExactly(Map.entry("u1/default/s1", 1L));

        IngestionEvent later = obs("e3", 20, "t1", "o2", null, 20L, null, null);
        later.sessionId = "s2";
        send(later);
        assertThat(sessions()).containsExactly(Map.entry("u1/default/s2", 1L));

        send(obs("e4", 30, "t1", "o3", "u2", 30L, null, null)); // a new user takes the session along
        assertThat(sessions()).containsExactly(Map.entry("u2/default/s2", 1L));

        IngestionEvent older = trace("e0", 5, "t1", null);
        older.sessionId = "s3"; // older than s2's event: does not win
        send(older, withEnv(obs("e5", 40, "t1", "o4", null, 40L, null, null), "staging"));
        assertThat(sessions()).containsExactly(Map.entry("u2/staging/s2", 1L));
        assertThat(perUser().get("u2").traces).isEqualTo(1);
    }

    @Test
    void anOlderUserArrivingLateDoesNotWin() throws Exception {
        send(obs("e2", 20, "t1", "o1", "u-new", 20L, null, null));
        send(trace("e1", 10, "t1", "u-old"));
        assertThat(perUser()).containsOnlyKeys("u-new");
    }

    @Test
    void duplicatesChangeNothing() throws Exception {
        IngestionEvent e = obs("e1", 10, "t1", "o1", "u1", 10L, Map.of("input", 5L), null);
        send(e);
        int before = output().size();
        send(obs("e1", 10, "t1", "o1", "u1", 10L, Map.of("input", 5L), null));
        assertThat(output()).hasSize(before);
        assertThat(perUser().get("u1").usage).isEqualTo(Map.of("input", 5L));
    }

    @Test
    void usageIsLastWriteWinsInTimestampOrderWhateverTheArrivalOrder() throws Exception {
        // The update (ts 30) arrives before the create (ts 10): the update's usage stays.
        send(obs("e-upd", 30, "t1", "o1", "u1", null, Map.of("input", 100L, "output", 50L), null));
        send(obs("e-create", 10, "t1", "o1", null, 5L, Map.of("input", 1L), null));
        // An update with an empty usage does not overwrite (parser gives null).
        send(obs("e-empty", 40, "t1", "o1", null, null, null, null));
        Metrics u1 = perUser().get("u1");
        assertThat(u1.observations).isEqualTo(1);
        assertThat(u1.usage).isEqualTo(Map.of("input", 100L, "output", 50L));
        assertThat(u1.totalTokens).isEqualTo(150);
    }

    @Test
    void traceTimeAndObservationStartKeepTheirFirstValue() throws Exception {
        send(trace("e2", 3600 * 5, "t1", "u1"));
        send(obs("e3", 3600 * 6, "t1", "o1", null, 3600L * 6, null, null));
        // An earlier-ordered trace event and observation event arrive late with other times.
        IngestionEvent early = trace("e1", 3600 * 2, "t1", null);
        early.bodyTimeNanos = 3600L * 1 * Events.SEC;
        send(early);
        send(obs("e0", 3600, "t1", "o1", null, 3600L * 3, null, null));

        Map<Long, Long> tracesPerHour = new HashMap<>();
        Map<Long, Long> obsPerHour = new HashMap<>();
        for (Contribution c : output()) {
            tracesPerHour.merge(c.hourStartMillis, c.delta.traces, Long::sum);
            obsPerHour.merge(c.hourStartMillis, c.delta.observations, Long::sum);
        }
        tracesPerHour.values().removeIf(v -> v == 0);
        obsPerHour.values().removeIf(v -> v == 0);
        assertThat(tracesPerHour).isEqualTo(Map.of(3_600_000L, 1L));
        assertThat(obsPerHour).isEqualTo(Map.of(3 * 3_600_000L, 1L));
    }

    private <S extends State> S state(String traceId, StateDescriptor<S, ?> descriptor) throws Exception {
        return PrivateState.keyed(harness, Keys.of("p", traceId), descriptor);
    }

    @Test
    void stateHoldsTheMergedTraceWithVersionsAndTheObservations() throws Exception {
        send(trace("e1", 10, "t1", "u1"),
                obs("e3", 30, "t1", "o1", "u2", null, Map.of("input", 9L), null),
                obs("e2", 20, "t1", "o1", null, 11L, Map.of("input", 1L), null));
        TraceState t = state("t1", TraceResolver.traceDescriptor()).value();
        assertThat(t.eventIds).containsExactly("e1");
        assertThat(t.user.value).isEqualTo("u2");
        assertThat(t.user.verId).isEqualTo("e3");
        assertThat(t.emittedUser).isEqualTo("u2");
        assertThat(t.minTraceEventTsNanos).isEqualTo(10 * Events.SEC);
        assertThat(t.minObservationTimeNanos).isEqualTo(11 * Events.SEC);

        ObservationState o = state("t1", TraceResolver.observationsDescriptor()).get("o1");
        assertThat(o.eventIds).containsExactlyInAnyOrder("e2", "e3");
        assertThat(o.startTimeNanos).isEqualTo(11 * Events.SEC);
        assertThat(o.usage).isEqualTo(Map.of("input", 9L)); // e3 is the later version
        assertThat(o.usageVerId).isEqualTo("e3");
    }

    @Test
    void stateHoldsTheMergedTraceAndObservations() throws Exception {
        send(trace("e1", 10, "t1", "u1"), obs("e2", 11, "t1", "o1", null, 11L, Map.of("input", 1L), null));
        // One key, two states: trace, observations.
        assertThat(PrivateState.keyedEntries(harness)).isEqualTo(2);
    }

    /** The latest list row per key emitted so far ("t1" for a trace's row, "t1/s1" for a score's); null values: deleted. */
    private Map<String, dev.usermetrics.records.MetricsRow> listRows() {
        Map<String, dev.usermetrics.records.MetricsRow> m = new java.util.TreeMap<>();
        var rows = harness.getSideOutput(TraceResolver.ROWS);
        if (rows != null) {
            for (StreamRecord<dev.usermetrics.records.MetricsRow> r : rows) {
                dev.usermetrics.records.MetricsRow row = r.getValue();
                m.put(row.traceId + (row.scoreId != null ? "/" + row.scoreId : ""), row.isDelete() ? null : row);
            }
        }
        return m;
    }

    private static IngestionEvent named(IngestionEvent e, String name) {
        e.traceName = name;
        return e;
    }

    /**
     * The user page's rows: a trace's row (name, time, environment, session, what it counts) and
     * one per score, written once the trace has a user, moved with the user and environment, and
     * equal to what the aggregates received.
     */
    @Test
    void aTraceAndItsScoresHaveRowsThatCountWhatTheTraceCountsAndMoveWithIt() throws Exception {
        send(named(trace("e1", 10, "t1", null), "chat"),
                obs("e2", 11, "t1", "o1", null, 11L, Map.of("input", 3L, "output", 4L), Map.of("input", new BigDecimal("0.000000000001"))),
                score("e3", 12, "t1", "s1", "quality", ScoreDataType.NUMERIC, "0.5", null));
        assertThat(listRows()).isEmpty(); // no user yet: counted nowhere, no rows

        IngestionEvent withUser = obs("e4", 20, "t1", "o2", "u1", 20L, Map.of("total", 5L), null);
        withUser.sessionId = "sess";
        send(withUser);
        var rows = listRows();
        assertThat(rows).containsOnlyKeys("t1", "t1/s1");
        var t = rows.get("t1");
        assertThat(t.userId).isEqualTo("u1");
        assertThat(t.name).isEqualTo("chat");
        assertThat(t.environment).isEqualTo("default");
        assertThat(t.sessionId).isEqualTo("sess");
        assertThat(t.timeNanos).isEqualTo(10 * Events.SEC);
        assertThat(List.of(t.totals.traces, t.totals.observations, t.totals.scores, t.totals.inputTokens, t.totals.outputTokens,
                t.totals.totalTokens)).containsExactly(1L, 2L, 1L, 3L, 4L, 7L + 5L);
        assertThat(t.totals.inputCost).isEqualByComparingTo("0.000000000001");
        assertThat(t.totals.totalCost).isEqualByComparingTo("0.000000000001");
        var sc = rows.get("t1/s1");
        assertThat(List.of(sc.userId, sc.environment, sc.name, sc.scoreDataType.name())).containsExactly("u1", "default", "quality", "NUMERIC");
        assertThat(sc.scoreValue).isEqualByComparingTo("0.5");
        assertThat(sc.timeNanos).isEqualTo(12 * Events.SEC);

        // A later user and environment: both rows move; a renamed trace keeps the later name.
        send(withEnv(obs("e5", 30, "t1", "o3", "u2", 30L, Map.of("input", 1L), null), "staging"),
                named(trace("e6", 31, "t1", null), "chat-v2"));
        rows = listRows();
        t = rows.get("t1");
        assertThat(List.of(t.userId, t.environment, t.name)).containsExactly("u2", "staging", "chat-v2");
        assertThat(t.totals.observations).isEqualTo(3);
        assertThat(t.totals.inputTokens).isEqualTo(4);
        assertThat(List.of(rows.get("t1/s1").userId, rows.get("t1/s1").environment)).containsExactly("u2", "staging");
        // What the row counts is what the aggregates received for the trace.
        Metrics u2 = perUser().get("u2");
        assertThat(List.of(u2.observations, u2.scores, u2.totalTokens)).containsExactly(t.totals.observations, t.totals.scores,
                t.totals.totalTokens);
    }

    /** A trace restored from state written before its totals were kept: recounted from its members at its next event. */
    @Test
    void aTraceRestoredWithoutTotalsIsRecountedFromItsMembers() throws Exception {
        send(trace("e1", 10, "t1", "u1"), obs("e2", 11, "t1", "o1", null, 11L, Map.of("input", 3L), null),
                score("e3", 12, "t1", "s1", "quality", ScoreDataType.NUMERIC, "1", null));
        var traceState = state("t1", TraceResolver.traceDescriptor());
        TraceState old = traceState.value();
        old.totals = new dev.usermetrics.records.RowTotals();
        old.totalsKnown = false;
        traceState.update(old);

        send(obs("e4", 20, "t1", "o2", null, 20L, Map.of("input", 2L), null));
        var t = listRows().get("t1");
        assertThat(List.of(t.totals.traces, t.totals.observations, t.totals.scores, t.totals.inputTokens))
                .containsExactly(1L, 2L, 1L, 5L);
        assertThat(state("t1", TraceResolver.traceDescriptor()).value().totalsKnown).isTrue();
    }

    /** A duplicate changes nothing, so it writes no row either. */
    @Test
    void aDuplicateWritesNoListRow() throws Exception {
        send(trace("e1", 10, "t1", "u1"), score("e2", 12, "t1", "s1", "quality", ScoreDataType.CATEGORICAL, null, "good"));
        assertThat(listRows().get("t1/s1").scoreLabel).isEqualTo("good");
        int before = harness.getSideOutput(TraceResolver.ROWS).size();
        send(trace("e1", 10, "t1", "u1"), score("e2", 12, "t1", "s1", "quality", ScoreDataType.CATEGORICAL, null, "good"));
        assertThat(harness.getSideOutput(TraceResolver.ROWS)).hasSize(before);
    }

    /** Emitted model trace counts summed per "user/environment/day/model" (non-zero only). */
    private Map<String, Long> modelTraces() {
        Map<String, Long> m = new java.util.TreeMap<>();
        for (Contribution c : output()) {
            long day = Math.floorDiv(c.hourStartMillis, 86_400_000L);
            c.byModel.forEach((model, mm) -> m.merge(c.userId + "/" + c.environment + "/" + day + "/" + model, mm.traces, Long::sum));
        }
        m.values().removeIf(n -> n == 0);
        return m;
    }

    private static IngestionEvent model(IngestionEvent e, String model) {
        e.model = model;
        return e;
    }

    /**
     * A trace counts once in every (day, model) that holds one of its observations, whatever their
     * number; it leaves a model when its last observation there changes model, and moves with its user.
     */
    @Test
    void aTraceCountsOnceInEachDayAndModelOfItsObservations() throws Exception {
        long day2 = 86_400 * 2;
        send(trace("e1", day2, "t1", "u1"),
                model(obs("e2", day2 + 10, "t1", "o1", null, day2 + 10, Map.of("input", 1L), null), "gpt-4o"),
                model(obs("e3", day2 + 20, "t1", "o2", null, day2 + 20, Map.of("input", 1L), null), "gpt-4o"),
                obs("e4", day2 + 86_400, "t1", "o3", null, day2 + 86_400, null, null)); // the next day, no model
        assertThat(modelTraces()).containsExactly(Map.entry("u1/default/2/gpt-4o", 1L), Map.entry("u1/default/3/", 1L));

        send(model(obs("e5", day2 + 100, "t1", "o1", null, null, null, null), "claude")); // one gpt-4o observation left
        assertThat(modelTraces()).containsExactly(Map.entry("u1/default/2/claude", 1L), Map.entry("u1/default/2/gpt-4o", 1L),
                Map.entry("u1/default/3/", 1L));
        send(model(obs("e6", day2 + 200, "t1", "o2", null, null, null, null), "claude")); // none left
        assertThat(modelTraces()).containsExactly(Map.entry("u1/default/2/claude", 1L), Map.entry("u1/default/3/", 1L));

        send(obs("e7", day2 + 300, "t1", "o4", "u2", day2 + 30, null, null)); // a new user takes every count along
        assertThat(modelTraces()).containsExactly(Map.entry("u2/default/2/", 1L), Map.entry("u2/default/2/claude", 1L),
                Map.entry("u2/default/3/", 1L));
        // A trace restored from state written before the counts were kept: recounted once, as new.
        var traceState = state("t1", TraceResolver.traceDescriptor());
        TraceState old = traceState.value();
        old.modelDays = new HashMap<>();
        old.modelDaysKnown = false;
        traceState.update(old);
        int before = output().size();
        send(obs("e8", day2 + 400, "t1", "o5", null, day2 + 40, null, null));
        Map<String, Long> recount = new java.util.TreeMap<>();
        for (Contribution c : output().subList(before, output().size())) {
            long day = Math.floorDiv(c.hourStartMillis, 86_400_000L);
            c.byModel.forEach((m, mm) -> recount.merge(day + "/" + m, mm.traces, Long::sum));
        }
        recount.values().removeIf(n -> n == 0);
        assertThat(recount).containsExactly(Map.entry("2/", 1L), Map.entry("2/claude", 1L), Map.entry("3/", 1L));
    }
}
