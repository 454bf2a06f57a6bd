package dev.usermetrics.it;

import dev.usermetrics.it.RowKeys.BucketKey;
import dev.usermetrics.it.RowKeys.EnvKey;
import dev.usermetrics.it.RowKeys.ModelKey;
import dev.usermetrics.it.RowKeys.ScoreKey;
import dev.usermetrics.it.RowKeys.UserKey;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The batch truth: the rows the metric tables must hold after a set of intended events, computed
 * by a small model of the rules. It shares no code with the job under test (it imports nothing
 * of dev.usermetrics outside this test package), so an error in the job cannot hide by being
 * made here too. {@link SinkTables} turns these rows into the values compared with the tables
 * read back.
 */
final class ReferenceModel {
    /** Expected user_model_metrics_daily row. */
    static final class ModelRow {
        long observations;
        /** The traces with an observation in the row (each counted once). */
        java.util.Set<String> traces = new java.util.HashSet<>();
        long inputTokens;
        long outputTokens;
        long totalTokens;
        BigDecimal inputCost = BigDecimal.ZERO;
        BigDecimal outputCost = BigDecimal.ZERO;
        BigDecimal totalCost = BigDecimal.ZERO;
    }

    /** Expected user_scores row. */
    static final class ScoreRow {
        long count;
        BigDecimal sum = BigDecimal.ZERO;
        Map<String, Long> labels = new TreeMap<>();
        Instant last;
    }

    /** Expected metrics of one row. */
    static final class Row {
        long traces;
        long observations;
        long scores;
        Map<String, Long> usage = new TreeMap<>();
        long totalTokens;
        Map<String, BigDecimal> cost = new TreeMap<>();
        BigDecimal totalCost = BigDecimal.ZERO;
        Instant firstSeen;
        Instant lastSeen;
        /** Totals rows: the sessions of the user's traces. */
        java.util.Set<String> sessions = new java.util.TreeSet<>();

        long tokensContaining(String part) {
            return usage.entrySet().stream().filter(e -> e.getKey().toLowerCase(Locale.ROOT).contains(part))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        BigDecimal costContaining(String part) {
            return cost.entrySet().stream().filter(e -> e.getKey().toLowerCase(Locale.ROOT).contains(part))
                    .map(Map.Entry::getValue).reduce(BigDecimal.ZERO, BigDecimal::add);
        }
    }

    /** Expected user_traces row: the trace's user, name, time, environment, session and what it counts. */
    record TraceRow(String user, String name, Instant time, String env, String session, Row counts) {}

    /** Expected user_trace_scores row (value only for types with values, string value only for labels). */
    record TraceScoreRow(String user, String name, String type, BigDecimal value, String stringValue, Instant time, String env) {}

    final Map<UserKey, Row> totals = new HashMap<>();
    final Map<RowKeys.TraceKey, TraceRow> traces = new HashMap<>();
    final Map<RowKeys.TraceScoreKey, TraceScoreRow> traceScores = new HashMap<>();
    final Map<EnvKey, Row> envTotals = new HashMap<>();
    final Map<BucketKey, Row> hourly = new HashMap<>();
    final Map<BucketKey, Row> daily = new HashMap<>();
    final Map<ModelKey, ModelRow> modelDaily = new HashMap<>();
    final Map<ScoreKey, ScoreRow> scores = new HashMap<>();

    private static final Comparator<IntendedEvent> ORDER = Comparator.comparing((IntendedEvent e) -> e.ts).thenComparing(e -> e.id);

    ReferenceModel(List<IntendedEvent> events) {
        // An observation (a score) is identified by (project, traceId, id): an event naming
        // another trace belongs to that trace, as another observation (score) with the same id.
        Map<String, List<IntendedEvent>> byTrace = new LinkedHashMap<>();
        for (IntendedEvent e : events) {
            byTrace.computeIfAbsent(e.project + "\u0001" + e.traceId, k -> new ArrayList<>()).add(e);
        }
        for (List<IntendedEvent> evs : byTrace.values()) {
            evs.sort(ORDER);
            String project = evs.get(0).project;
            String user = null;
            String env = "default";
            String session = null;
            String name = null;
            for (IntendedEvent e : evs) {
                if (e.scoreId != null) {
                    continue; // a score never decides its trace's user or environment
                }
                if (e.obsId == null && e.validTraceName != null) {
                    name = e.validTraceName; // a trace event's; the latest (ts, id) wins
                }
                if (e.validUser != null) {
                    user = e.validUser; // sorted ascending: the last one is the greatest (ts, id)
                }
                if (e.validEnv != null) {
                    env = e.validEnv;
                }
                if (e.validSession != null) {
                    session = e.validSession;
                }
            }
            if (user == null) {
                continue;
            }
            Map<String, List<IntendedEvent>> byObs = new LinkedHashMap<>();
            Map<String, List<IntendedEvent>> byScore = new LinkedHashMap<>();
            Instant traceTime = null; // body.timestamp of the first trace event that has one
            Instant firstTraceEventTs = null;
            for (IntendedEvent e : evs) {
                if (e.scoreId != null) {
                    byScore.computeIfAbsent(e.scoreId, k -> new ArrayList<>()).add(e);
                } else if (e.obsId == null) {
                    if (firstTraceEventTs == null) {
                        firstTraceEventTs = e.ts;
                    }
                    if (traceTime == null && e.bodyTime != null) {
                        traceTime = e.bodyTime;
                    }
                } else {
                    byObs.computeIfAbsent(e.obsId, k -> new ArrayList<>()).add(e);
                }
            }
            if (firstTraceEventTs == null && byObs.isEmpty()) {
                continue; // only scores: not a trace
            }
            List<Row> obsRows = new ArrayList<>();
            List<Instant> obsTimes = new ArrayList<>();
            List<String> obsModels = new ArrayList<>();
            for (List<IntendedEvent> oe : byObs.values()) {
                Instant startTime = null;
                Instant minTs = null;
                Map<String, Long> usage = null;
                Map<String, BigDecimal> cost = null;
                String model = "";
                for (IntendedEvent e : oe) { // ascending order
                    if (minTs == null) {
                        minTs = e.ts;
                    }
                    if (startTime == null && e.bodyTime != null) {
                        startTime = e.bodyTime;
                    }
                    if (e.usage != null && !e.usage.isEmpty()) {
                        usage = e.usage;
                    }
                    if (e.cost != null && !e.cost.isEmpty()) {
                        cost = e.cost;
                    }
                    if (e.validModel != null) {
                        model = e.validModel;
                    }
                }
                Row r = new Row();
                r.observations = 1;
                if (usage != null) {
                    r.usage.putAll(usage);
                    r.totalTokens = usage.containsKey("total") ? usage.get("total")
                            : usage.values().stream().mapToLong(Long::longValue).sum();
                }
                if (cost != null) {
                    r.cost.putAll(cost);
                    r.totalCost = cost.containsKey("total") ? cost.get("total")
                            : cost.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                }
                obsRows.add(r);
                obsTimes.add(startTime != null ? startTime : minTs);
                obsModels.add(model);
            }
            if (traceTime == null) {
                traceTime = firstTraceEventTs != null ? firstTraceEventTs
                        : obsTimes.stream().min(Comparator.naturalOrder()).orElseThrow();
            }
            UserKey uk = new UserKey(project, user);
            EnvKey ek = new EnvKey(project, user, env);
            Row traceRow = new Row();
            traceRow.traces = 1;
            addEverywhere(project, user, env, traceTime, traceRow);
            Row traceCounts = new Row(); // what the trace's own row counts
            traceCounts.traces = 1;
            traces.put(new RowKeys.TraceKey(project, evs.get(0).traceId), new TraceRow(user, name, traceTime, env, session, traceCounts));
            for (Row tot : List.of(totals.get(uk), envTotals.get(ek))) {
                tot.firstSeen = tot.firstSeen == null || traceTime.isBefore(tot.firstSeen) ? traceTime : tot.firstSeen;
                tot.lastSeen = tot.lastSeen == null || traceTime.isAfter(tot.lastSeen) ? traceTime : tot.lastSeen;
                if (session != null) {
                    tot.sessions.add(session);
                }
            }
            for (int i = 0; i < obsRows.size(); i++) {
                Row r = obsRows.get(i);
                addEverywhere(project, user, env, obsTimes.get(i), r);
                add(traceCounts, r);
                ModelRow m = modelDaily.computeIfAbsent(new ModelKey(project, user, env, day(obsTimes.get(i)), obsModels.get(i)), k -> new ModelRow());
                m.observations++;
                m.traces.add(evs.get(0).traceId);
                m.inputTokens += r.tokensContaining("input");
                m.outputTokens += r.tokensContaining("output");
                m.totalTokens += r.totalTokens;
                m.inputCost = m.inputCost.add(r.costContaining("input"));
                m.outputCost = m.outputCost.add(r.costContaining("output"));
                m.totalCost = m.totalCost.add(r.totalCost);
            }
            for (List<IntendedEvent> se : byScore.values()) {
                IntendedEvent last = se.get(se.size() - 1); // name, type and value: last write wins
                Instant time = se.stream().filter(e -> e.bodyTime != null).map(e -> e.bodyTime).findFirst().orElse(se.get(0).ts);
                Row one = new Row();
                one.scores = 1;
                addEverywhere(project, user, env, time, one);
                add(traceCounts, one);
                boolean hasValue = !last.scoreType.equals("CATEGORICAL");
                boolean hasLabel = !last.scoreType.equals("NUMERIC");
                traceScores.put(new RowKeys.TraceScoreKey(project, last.traceId, last.scoreId), new TraceScoreRow(user, last.scoreName,
                        last.scoreType, hasValue ? last.scoreValue : null, hasLabel ? last.scoreLabel : null, time, env));
                ScoreRow sr = scores.computeIfAbsent(new ScoreKey(project, user, last.scoreName, last.scoreType), k -> new ScoreRow());
                sr.count++;
                if (last.scoreValue != null) {
                    sr.sum = sr.sum.add(last.scoreValue);
                }
                if (last.scoreLabel != null) {
                    sr.labels.merge(last.scoreLabel, 1L, Long::sum);
                }
                sr.last = sr.last == null || time.isAfter(sr.last) ? time : sr.last;
            }
        }
    }

    /** Adds r to the user's totals, environment totals and the hour and day of time. */
    private void addEverywhere(String project, String user, String env, Instant time, Row r) {
        add(totals.computeIfAbsent(new UserKey(project, user), k -> new Row()), r);
        add(envTotals.computeIfAbsent(new EnvKey(project, user, env), k -> new Row()), r);
        add(hourly.computeIfAbsent(new BucketKey(project, user, env, hour(time)), k -> new Row()), r);
        add(daily.computeIfAbsent(new BucketKey(project, user, env, day(time)), k -> new Row()), r);
    }

    private static void add(Row into, Row r) {
        into.traces += r.traces;
        into.observations += r.observations;
        into.scores += r.scores;
        r.usage.forEach((k, v) -> into.usage.merge(k, v, Long::sum));
        into.totalTokens += r.totalTokens;
        r.cost.forEach((k, v) -> into.cost.merge(k, v, BigDecimal::add));
        into.totalCost = into.totalCost.add(r.totalCost);
    }

    private static Instant hour(Instant t) {
        return t.truncatedTo(ChronoUnit.HOURS);
    }

    private static Instant day(Instant t) {
        return t.truncatedTo(ChronoUnit.DAYS);
    }
}
