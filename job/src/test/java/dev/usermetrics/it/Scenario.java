package dev.usermetrics.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A generated dataset with every trait the job must handle — late and changed users, invalid
 * userIds, usage updates (also out of order), legacy usage, tokens above 2^31, 12-decimal costs,
 * duplicates, shuffled order, malformed records. It keeps the intended events ({@link
 * IntendedEvent}), renders them to the JSON lines sent to Kafka, counts the rejected_events rows
 * those lines must give, and has its batch truth computed from the intended events by {@link
 * ReferenceModel} (which shares no code with the job).
 */
final class Scenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant BASE = Instant.parse("2026-03-01T00:00:00Z");

    /** The intended events, in generation order. */
    final List<IntendedEvent> events = new ArrayList<>();
    /** The records to send: the events rendered (5 % of them twice), sdk-log and malformed lines, shuffled. */
    final List<String> lines = new ArrayList<>();
    /** rejected_events rows by reason that {@link #lines} must give (one per copy of a record). */
    final Map<String, Integer> expectedRejections = new TreeMap<>();
    /** What the metric tables must hold once every line is processed. */
    final ReferenceModel truth;

    private final Random rnd;
    /** Trace names only (their own sequence: the rest of the dataset is what it was before names). */
    private final Random names;
    private int nextEventId;

    private static final String[] INVALID_USER_IDS = {
        "12345", "true", "{\"id\":\"u\"}", "[\"u\"]", "\"" + "x".repeat(201) + "\"",
        "\"" + "😀".repeat(201) + "\"", "\"bad\\u0000user\"", "\"bad\\ud800user\"", "4.5",
    };
    /** Unusable sessionIds (the user-ID rules) and the reason each is dropped for. */
    private static final String[] INVALID_SESSION_IDS = {"7", "\"" + "s".repeat(201) + "\"", "\"bad\\u0000session\""};
    /** Unusable trace names: not a string, longer than 1,000 characters, not storable (each is invalid_trace_name). */
    private static final String[] INVALID_TRACE_NAMES = {"42", "\"" + "n".repeat(1001) + "\"", "\"bad\\u0000name\"", "[\"chat\"]"};
    private static final String[] INVALID_SESSION_REASONS = {"session_id_not_string", "session_id_too_long", "session_id_not_storable"};
    private static final String[] INVALID_REASONS = {
        "user_id_not_string", "user_id_not_string", "user_id_not_string", "user_id_not_string",
        "user_id_too_long", "user_id_too_long", "user_id_not_storable", "user_id_not_storable",
        "user_id_not_string",
    };
    private static final String[] INVALID_ENVIRONMENTS = {"\"langfuse-internal\"", "\"has space\"", "\"" + "e".repeat(41) + "\"", "12"};
    private static final String[] MODELS = {"gpt-4o", "claude-sonnet-4", "gpt-4o-mini", "m'); DELETE FROM user_model_metrics_daily; --"};
    private static final String[] USAGE_KEYS = {"input", "output", "total", "input_cached_tokens", "output_reasoning", "Input_Audio"};

    Scenario(long seed, int traceCount) {
        rnd = new Random(seed);
        names = new Random(seed ^ 0x6e616d6573L);
        List<String> users = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            users.add("user-" + i);
        }
        users.add("ユーザー-7");
        users.add("😀".repeat(150)); // valid: 150 code points
        users.add("u".repeat(200)); // valid: exactly 200
        users.add("O'Brien \"quoted\" \\ back");
        // Injection attempts: user-controlled strings only reach SQL as bind parameters.
        users.add("x'); DROP TABLE user_metrics; --");
        users.add("'; UPDATE user_metrics SET total_cost = 0; SELECT '");
        users.add("$$; DROP SCHEMA public CASCADE; $$");
        for (int t = 0; t < traceCount; t++) {
            generateTrace("proj-" + (t % 3 == 0 ? "b" : "a"), "trace-" + t, users);
        }
        addObservationsUnderAnotherTrace(traceCount, users);
        addScoresUnderAnotherTrace();
        addMaximalKeys();
        truth = new ReferenceModel(events);
        render();
    }

    /**
     * One trace whose key strings are as long, in UTF-8 bytes, as the rules allow: every primary
     * key and index of the sink must hold them (Postgres refuses an index row over 2,704 bytes).
     * Generated last, so the events before it do not change.
     */
    /** 1,000 characters (the id limit), 3,000 bytes: more than an index row holds, so the list tables key ids by md5. */
    private static final String MAX_TRACE = "ト".repeat(1000);

    private void addMaximalKeys() {
        String project = "プ".repeat(256); // 256 characters (the limit), 768 bytes
        String user = "😀".repeat(200); // 200 code points (the limit), 800 bytes
        Instant start = BASE.plusSeconds(3600);
        IntendedEvent t = base(project, MAX_TRACE, null, "trace-create", start);
        setUser(t, user);
        setEnv(t, quote("e".repeat(40)));
        setSession(t, "😀".repeat(200)); // the session limit: 800 bytes in user_traces' session index
        setTraceName(t, quote("名".repeat(1000)), "名".repeat(1000)); // the name limit (not indexed)
        events.add(t);
        IntendedEvent g = base(project, MAX_TRACE, "trace-max-obs", "generation-create", start.plusSeconds(1));
        g.bodyTime = g.ts;
        g.usage = new TreeMap<>(Map.of("input", 10L, "output", 5L));
        g.cost = new TreeMap<>(Map.of("total", new BigDecimal("0.000000000001")));
        setModel(g, quote("モ".repeat(200))); // 200 characters (the limit), 600 bytes
        events.add(g);
        IntendedEvent sc = scoreEvent(project, MAX_TRACE, "ス".repeat(1000), start.plusSeconds(2));
        scoreContent(sc, "名".repeat(333)); // 999 bytes: the name limit is 1,000 bytes
        events.add(sc);
    }

    private String eventId() {
        return String.format("ev-%06d", nextEventId++);
    }

    private Instant time(Instant base, long maxSeconds) {
        return base.plus((long) (rnd.nextDouble() * maxSeconds * 1_000_000), ChronoUnit.MICROS);
    }

    private void generateTrace(String project, String traceId, List<String> users) {
        Instant start = time(BASE, 3 * 86_400);
        String userA = users.get(rnd.nextInt(users.size()));
        String userB = users.get(rnd.nextInt(users.size()));
        int mode = rnd.nextInt(100);
        boolean hasTraceCreate = rnd.nextInt(100) < 85;
        int envKind = rnd.nextInt(100);
        String envJson = envKind < 50 ? null : envKind < 70 ? "\"production\"" : envKind < 80 ? "\"Production\""
                : envKind < 95 ? "\"staging\"" : INVALID_ENVIRONMENTS[rnd.nextInt(INVALID_ENVIRONMENTS.length)];
        // mode: <40 user on trace + propagated to all observations; <65 user only on some later
        // observations (late propagate_attributes); <75 user changes; <85 no user; else an
        // invalid userId on the trace and a valid one later.
        if (hasTraceCreate) {
            IntendedEvent t = base(project, traceId, null, "trace-create", start.plusMillis(rnd.nextInt(50)));
            t.bodyTime = rnd.nextBoolean() ? start : null;
            if (mode < 40 || (mode >= 65 && mode < 75)) {
                setUser(t, userA);
            } else if (mode >= 85) {
                setInvalidUser(t);
            }
            setEnv(t, envJson);
            nameTrace(t);
            events.add(t);
            if (rnd.nextInt(100) < 15) {
                // A second trace event (an SDK update of the trace): later, maybe with another
                // body.timestamp, which must not replace the first one that was set.
                IntendedEvent t2 = base(project, traceId, null, "trace-create", t.ts.plusSeconds(1 + rnd.nextInt(300)));
                t2.bodyTime = rnd.nextBoolean() ? start.plusSeconds(5000) : null;
                if (t.validUser != null) {
                    setUser(t2, t.validUser);
                }
                nameTrace(t2); // a later name replaces the first (a missing one does not)
                events.add(t2);
            }
        }
        // Sessions: <35 none; <75 on the trace event (or the first observation); <85 another one
        // on a later observation (the latest event wins); <92 an unusable one, then a valid one
        // later; else only on the observations (propagated). Shared by traces and users.
        int sessionMode = rnd.nextInt(100);
        String sessionA = "session-" + rnd.nextInt(40);
        String sessionB = "session-" + rnd.nextInt(40);
        int observations = 1 + rnd.nextInt(6);
        IntendedEvent first = hasTraceCreate ? events.get(events.size() - 1) : null;
        if (first != null && sessionMode >= 35 && sessionMode < 85) {
            setSession(first, sessionA);
        } else if (first != null && sessionMode >= 85 && sessionMode < 92) {
            setInvalidSession(first);
        }
        for (int o = 0; o < observations; o++) {
            String obsId = traceId + "-obs-" + o;
            Instant obsStart = time(start, 7200);
            IntendedEvent create = base(project, traceId, obsId, pick("span-create", "generation-create", "event-create",
                    "tool-create", "agent-create", "chain-create", "retriever-create", "embedding-create"), obsStart);
            create.bodyTime = rnd.nextInt(100) < 95 ? obsStart : null;
            if (rnd.nextInt(100) < 70) {
                usageAndCost(create);
            }
            setModel(create, create.type.equals("generation-create") || rnd.nextBoolean() ? quote(pick(MODELS)) : null);
            if (!hasTraceCreate || rnd.nextInt(100) < 20) {
                setEnv(create, envJson);
            }
            assignObservationUser(create, mode, o, observations, userA, userB);
            if (sessionMode >= 92 || (o == 0 && first == null && sessionMode >= 35)) {
                setSession(create, sessionA);
            } else if (o == observations - 1 && sessionMode >= 75 && sessionMode < 92) {
                setSession(create, sessionMode < 85 ? sessionB : sessionA);
                create.ts = create.ts.plusSeconds(2 * 86_400); // the trace's latest event
            }
            events.add(create);
            int updates = rnd.nextInt(3);
            for (int u = 0; u < updates; u++) {
                IntendedEvent upd = base(project, traceId, obsId, rnd.nextBoolean() ? "generation-update" : "span-update",
                        time(obsStart, 600).plusSeconds(1));
                if (rnd.nextInt(100) < 15) {
                    upd.emptyDetails = true;
                } else {
                    usageAndCost(upd);
                }
                if (rnd.nextInt(100) < 10) {
                    upd.bodyTime = obsStart.plusSeconds(3600 * 2); // must not replace the first startTime
                }
                assignObservationUser(upd, mode, o, observations, userA, userB);
                if (rnd.nextInt(100) < 5) {
                    setInvalidUser(upd);
                }
                int m = rnd.nextInt(100);
                if (m < 20) {
                    setModel(upd, quote(pick(MODELS))); // the model changes: last write wins
                } else if (m < 23) {
                    setModel(upd, rnd.nextBoolean() ? "42" : quote("m".repeat(201))); // dropped
                }
                if (rnd.nextInt(100) < 8) {
                    setEnv(upd, "\"staging\""); // the environment changes
                }
                events.add(upd);
            }
        }
        if (rnd.nextInt(100) < 40) {
            int n = 1 + rnd.nextInt(3);
            for (int k = 0; k < n; k++) {
                generateScore(project, traceId, traceId + "-score-" + k, start);
            }
        }
    }

    private static final String[] SCORE_NAMES = {"quality", "helpful", "sentiment", "accuracy", "q'); DROP TABLE user_scores; --"};
    private static final String[] LABELS = {"good", "bad", "neutral", "ラベル", "\"}, {\"x\": 1"};

    private void generateScore(String project, String traceId, String scoreId, Instant traceStart) {
        IntendedEvent sc = scoreEvent(project, traceId, scoreId, time(traceStart, 2 * 86_400));
        if (rnd.nextInt(100) < 70) {
            sc.bodyTime = time(traceStart, 2 * 86_400);
        }
        scoreContent(sc, pick(SCORE_NAMES));
        events.add(sc);
        if (rnd.nextInt(100) < 20) {
            // Sent again with a new value (and maybe a new timestamp, which must not win).
            IntendedEvent again = scoreEvent(project, traceId, scoreId, sc.ts.plusSeconds(1 + rnd.nextInt(3000)));
            again.bodyTime = rnd.nextBoolean() ? sc.ts.plusSeconds(7200) : null;
            scoreContent(again, sc.scoreName);
            events.add(again);
        }
    }

    private IntendedEvent scoreEvent(String project, String traceId, String scoreId, Instant ts) {
        IntendedEvent e = base(project, traceId, null, "score-create", ts);
        e.scoreId = scoreId;
        return e;
    }

    /** quality: NUMERIC, helpful: BOOLEAN, sentiment: CATEGORICAL, accuracy: NUMERIC. */
    private void scoreContent(IntendedEvent e, String name) {
        e.scoreName = name;
        e.sendDataType = rnd.nextInt(100) < 70;
        switch (name) {
            case "helpful" -> {
                e.scoreType = "BOOLEAN";
                e.sendDataType = true;
                e.scoreValue = BigDecimal.valueOf(rnd.nextInt(2));
                e.scoreLabel = e.scoreValue.signum() == 0 ? "False" : "True";
            }
            case "sentiment" -> {
                e.scoreType = "CATEGORICAL";
                e.scoreLabel = pick(LABELS);
            }
            default -> {
                e.scoreType = "NUMERIC";
                e.scoreValue = BigDecimal.valueOf(rnd.nextInt(10_001) - 5000, rnd.nextInt(7));
            }
        }
    }

    /** Like addObservationsUnderAnotherTrace, for scores: the same score id under another trace is another score. */
    private void addScoresUnderAnotherTrace() {
        List<IntendedEvent> picked = new ArrayList<>();
        for (IntendedEvent e : events) {
            if (e.scoreId != null && rnd.nextInt(100) < 5) {
                picked.add(e);
            }
        }
        int ghosts = 0;
        for (IntendedEvent c : picked) {
            boolean earlier = rnd.nextBoolean();
            int t = rnd.nextInt(10);
            boolean sameProject = ("proj-" + (t % 3 == 0 ? "b" : "a")).equals(c.project);
            String other = rnd.nextBoolean() && sameProject && !c.traceId.equals("trace-" + t) ? "trace-" + t : "ghost-s-" + ghosts++;
            IntendedEvent e = scoreEvent(c.project, other, c.scoreId, earlier ? c.ts.minusSeconds(600) : c.ts.plusSeconds(600));
            scoreContent(e, c.scoreName);
            events.add(e);
        }
    }

    private void setEnv(IntendedEvent e, String json) {
        e.envJson = json;
        if (json == null) {
            e.validEnv = null;
        } else if (json.startsWith("\"") && json.length() - 2 <= 40 && json.substring(1, json.length() - 1).toLowerCase(Locale.ROOT).matches("[a-z0-9_-]+")
                && !json.substring(1).startsWith("langfuse")) {
            e.validEnv = json.substring(1, json.length() - 1).toLowerCase(Locale.ROOT);
        } else {
            e.validEnv = "default";
        }
    }

    private void setModel(IntendedEvent e, String json) {
        e.modelJson = json;
        e.validModel = json != null && json.startsWith("\"") && json.length() - 2 <= 200 ? json.substring(1, json.length() - 1) : null;
    }

    /**
     * An SDK bug's worth of events: an observation event naming another trace (an existing one
     * or a new one), earlier or later ordered than the original. It is another observation of that
     * trace (identity is project, traceId, observationId); the original stays as it is.
     */
    private void addObservationsUnderAnotherTrace(int traceCount, List<String> users) {
        List<IntendedEvent> creates = new ArrayList<>();
        for (IntendedEvent e : events) {
            if (e.obsId != null && e.type.endsWith("-create") && rnd.nextInt(100) < 4) {
                creates.add(e);
            }
        }
        int ghosts = 0;
        for (IntendedEvent c : creates) {
            String other;
            if (rnd.nextBoolean()) {
                int t = rnd.nextInt(traceCount);
                other = "trace-" + t;
                if (!("proj-" + (t % 3 == 0 ? "b" : "a")).equals(c.project) || other.equals(c.traceId)) {
                    other = "ghost-" + ghosts++;
                }
            } else {
                other = "ghost-" + ghosts++;
            }
            boolean earlier = rnd.nextBoolean();
            IntendedEvent e = base(c.project, other, c.obsId, "span-update", earlier ? c.ts.minusSeconds(3600) : c.ts.plusSeconds(3600));
            e.bodyTime = earlier && rnd.nextBoolean() ? e.ts : null;
            if (rnd.nextBoolean()) {
                usageAndCost(e);
            }
            if (rnd.nextInt(3) == 0) {
                setUser(e, users.get(rnd.nextInt(users.size())));
            }
            events.add(e);
        }
    }

    private void assignObservationUser(IntendedEvent e, int mode, int o, int n, String a, String b) {
        if (mode < 40) {
            setUser(e, a);
        } else if (mode < 65) {
            if (o >= n / 2) {
                setUser(e, a);
            }
        } else if (mode < 75) {
            if (o == n - 1) {
                setUser(e, b);
                e.ts = e.ts.plusSeconds(86_400); // clearly the latest event of the trace
            }
        } else if (mode >= 85) {
            if (o == n - 1) {
                setUser(e, a);
            } else if (rnd.nextBoolean()) {
                setInvalidUser(e);
            }
        }
    }

    private IntendedEvent base(String project, String traceId, String obsId, String type, Instant ts) {
        IntendedEvent e = new IntendedEvent();
        e.id = eventId();
        e.ts = ts;
        e.type = type;
        e.project = project;
        e.traceId = traceId;
        e.obsId = obsId;
        return e;
    }

    private String pick(String... options) {
        return options[rnd.nextInt(options.length)];
    }

    private void setUser(IntendedEvent e, String user) {
        e.userIdJson = quote(user);
        e.validUser = user;
    }

    private void setSession(IntendedEvent e, String session) {
        e.sessionIdJson = quote(session);
        e.validSession = session;
    }

    /** A trace event's name: usually one of a few, sometimes none, now and then an unusable one. */
    private void nameTrace(IntendedEvent e) {
        int k = names.nextInt(100);
        if (k < 80) {
            String name = "chat-" + names.nextInt(4);
            setTraceName(e, quote(name), name);
        } else if (k < 92) {
            setTraceName(e, null, null);
        } else {
            setTraceName(e, INVALID_TRACE_NAMES[names.nextInt(INVALID_TRACE_NAMES.length)], null);
        }
    }

    private void setTraceName(IntendedEvent e, String json, String valid) {
        e.traceNameJson = json;
        e.validTraceName = valid;
    }

    private void setInvalidSession(IntendedEvent e) {
        e.sessionIdJson = INVALID_SESSION_IDS[rnd.nextInt(INVALID_SESSION_IDS.length)];
        e.validSession = null;
    }

    private void setInvalidUser(IntendedEvent e) {
        int k = rnd.nextInt(INVALID_USER_IDS.length);
        e.userIdJson = INVALID_USER_IDS[k];
        e.validUser = null;
    }

    private void usageAndCost(IntendedEvent e) {
        int format = rnd.nextInt(100);
        if (format < 12) {
            e.usageFormat = 1 + rnd.nextInt(2);
            e.usage = new TreeMap<>();
            e.usage.put("input", (long) rnd.nextInt(5000));
            e.usage.put("output", (long) rnd.nextInt(5000));
            if (rnd.nextBoolean()) {
                e.usage.put("total", e.usage.get("input") + e.usage.get("output"));
            }
            if (e.usageFormat == 1) {
                e.cost = new TreeMap<>();
                e.cost.put("input", decimal12());
                e.cost.put("total", decimal12());
            }
            return;
        }
        e.usage = new TreeMap<>();
        int keys = 1 + rnd.nextInt(4);
        for (int k = 0; k < keys; k++) {
            int kind = rnd.nextInt(100);
            long v = kind < 5 ? 3_000_000_000L + (long) (rnd.nextDouble() * (1L << 40)) : kind < 10 ? 0 : rnd.nextInt(20_000);
            e.usage.put(USAGE_KEYS[rnd.nextInt(USAGE_KEYS.length)], v);
        }
        if (rnd.nextInt(100) < 80) {
            e.cost = new TreeMap<>();
            int ck = 1 + rnd.nextInt(3);
            for (int k = 0; k < ck; k++) {
                e.cost.put(USAGE_KEYS[rnd.nextInt(USAGE_KEYS.length)], decimal12());
            }
        }
    }

    /** A cost with 12 decimal places, sometimes tiny, sometimes dollars. */
    private BigDecimal decimal12() {
        int kind = rnd.nextInt(100);
        long unscaled = kind < 5 ? 0 : kind < 15 ? rnd.nextInt(1000) : (long) (rnd.nextDouble() * 5_000_000_000_000L);
        return BigDecimal.valueOf(unscaled, 12);
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- rendering to JSON lines

    private static final DateTimeFormatter WITH_OFFSET = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    private String iso(Instant t) {
        // Mostly Z, sometimes an equivalent +02:00 / -05:30 offset.
        int k = rnd.nextInt(10);
        if (k == 0) {
            return WITH_OFFSET.format(t.atOffset(ZoneOffset.ofHours(2)));
        } else if (k == 1) {
            return WITH_OFFSET.format(t.atOffset(ZoneOffset.ofHoursMinutes(-5, -30)));
        }
        return t.toString();
    }

    private String render(IntendedEvent e) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", e.id);
        root.put("timestamp", iso(e.ts));
        root.put("type", e.type);
        root.put("projectId", e.project);
        ObjectNode body = root.putObject("body");
        if (e.scoreId != null) {
            body.put("id", e.scoreId);
            body.put("traceId", e.traceId);
            body.put("name", e.scoreName);
            if (e.sendDataType) {
                body.put("dataType", e.scoreType);
            }
            if (e.scoreValue != null) {
                body.put("value", e.scoreValue);
            }
            if (e.scoreType.equals("CATEGORICAL")) {
                if (rnd.nextBoolean()) {
                    body.put("stringValue", e.scoreLabel);
                } else {
                    body.put("value", e.scoreLabel);
                }
            }
            if (e.bodyTime != null) {
                body.put("timestamp", iso(e.bodyTime));
            }
            body.put("comment", "from the test");
        } else if (e.obsId == null) {
            body.put("id", e.traceId);
            if (e.traceNameJson != null) {
                body.put("name", "__NAME__");
            }
            if (e.bodyTime != null) {
                body.put("timestamp", iso(e.bodyTime));
            }
            body.putObject("metadata").put("source", "test");
        } else {
            body.put("id", e.obsId);
            body.put("traceId", e.traceId);
            if (e.bodyTime != null) {
                body.put("startTime", iso(e.bodyTime));
            }
            if (e.emptyDetails) {
                body.putObject("usageDetails");
                body.putObject("costDetails");
            } else if (e.usageFormat == 0) {
                if (e.usage != null) {
                    ObjectNode u = body.putObject("usageDetails");
                    e.usage.forEach(u::put);
                }
                if (e.cost != null) {
                    ObjectNode c = body.putObject("costDetails");
                    e.cost.forEach(c::put);
                }
            } else {
                ObjectNode u = body.putObject("usage");
                boolean openAi = e.usageFormat == 2;
                u.put(openAi ? "promptTokens" : "input", e.usage.get("input"));
                u.put(openAi ? "completionTokens" : "output", e.usage.get("output"));
                if (e.usage.containsKey("total")) {
                    u.put(openAi ? "totalTokens" : "total", e.usage.get("total"));
                }
                if (e.cost != null) {
                    u.put("inputCost", e.cost.get("input"));
                    u.put("totalCost", e.cost.get("total"));
                }
            }
        }
        String placeholder = "__USER_ID__";
        if (e.userIdJson != null) {
            body.put("userId", placeholder);
        } else if (rnd.nextInt(10) == 0 && e.scoreId == null) {
            body.putNull("userId"); // null: no user, no warning
        }
        if (e.envJson != null) {
            body.put("environment", "__ENV__");
        }
        if (e.sessionIdJson != null) {
            body.put("sessionId", "__SESSION__");
        }
        if (e.modelJson != null) {
            body.put("model", "__MODEL__");
        }
        String json = root.toString();
        json = e.userIdJson == null ? json : json.replace("\"" + placeholder + "\"", e.userIdJson);
        json = e.envJson == null ? json : json.replace("\"__ENV__\"", e.envJson);
        json = e.sessionIdJson == null ? json : json.replace("\"__SESSION__\"", e.sessionIdJson);
        json = e.traceNameJson == null ? json : json.replace("\"__NAME__\"", e.traceNameJson);
        return e.modelJson == null ? json : json.replace("\"__MODEL__\"", e.modelJson);
    }

    private void render() {
        for (IntendedEvent e : events) {
            String line = render(e);
            int copies = rnd.nextInt(100) < 5 ? 2 : 1; // 5 % delivered twice
            for (int c = 0; c < copies; c++) {
                lines.add(line);
                // Every copy is a record with its own rejected_events rows.
                if (e.validUser == null && e.userIdJson != null) {
                    countInvalidUser(e);
                }
                if (e.sessionIdJson != null && e.validSession == null) {
                    for (int k = 0; k < INVALID_SESSION_IDS.length; k++) {
                        if (INVALID_SESSION_IDS[k].equals(e.sessionIdJson)) {
                            expectedRejections.merge(INVALID_SESSION_REASONS[k], 1, Integer::sum);
                        }
                    }
                }
                if (e.envJson != null && "default".equals(e.validEnv)) {
                    expectedRejections.merge("invalid_environment", 1, Integer::sum);
                }
                if (e.modelJson != null && e.validModel == null) {
                    expectedRejections.merge("invalid_model", 1, Integer::sum);
                }
                if (e.traceNameJson != null && e.validTraceName == null) {
                    expectedRejections.merge("invalid_trace_name", 1, Integer::sum);
                }
            }
        }
        // Accepted events that do not change metrics.
        for (int i = 0; i < 5; i++) {
            lines.add("{\"id\":\"log-" + i + "\",\"timestamp\":\"2026-03-01T10:00:00Z\",\"type\":\"sdk-log\","
                    + "\"projectId\":\"proj-a\",\"body\":{\"log\":\"hello\"}}");
        }
        // Malformed records: rejected whole, nothing applied.
        String ok = "\"timestamp\":\"2026-03-01T10:00:00Z\",\"projectId\":\"proj-a\"";
        malformed("not_json", "this is not json");
        malformed("not_json", "{\"id\":\"trunc\",\"timestamp\":\"2026-03-");
        malformed("not_an_object", "[1,2,3]");
        malformed("nesting_too_deep", "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
        malformed("missing_field", "{\"id\":\"m1\"," + ok + ",\"type\":\"span-create\",\"body\":{\"id\":\"o\"}}");
        malformed("missing_field", "{" + ok + ",\"type\":\"trace-create\",\"body\":{\"id\":\"trace-1\",\"userId\":\"evil\"}}");
        malformed("unknown_type", "{\"id\":\"m2\"," + ok + ",\"type\":\"observation-create\",\"body\":{\"id\":\"o\",\"traceId\":\"trace-1\"}}");
        malformed("invalid_timestamp", "{\"id\":\"m3\",\"timestamp\":\"last tuesday\",\"projectId\":\"proj-a\",\"type\":\"trace-create\",\"body\":{\"id\":\"trace-2\",\"userId\":\"evil\"}}");
        malformed("invalid_usage", "{\"id\":\"m4\"," + ok + ",\"type\":\"generation-create\",\"body\":{\"id\":\"trace-1-obs-0\",\"traceId\":\"trace-1\",\"usageDetails\":{\"input\":-5}}}");
        malformed("invalid_usage", "{\"id\":\"m5\"," + ok + ",\"type\":\"generation-create\",\"body\":{\"id\":\"trace-1-obs-0\",\"traceId\":\"trace-1\",\"usageDetails\":{\"input\":2.5}}}");
        malformed("invalid_cost", "{\"id\":\"m6\"," + ok + ",\"type\":\"generation-create\",\"body\":{\"id\":\"trace-1-obs-0\",\"traceId\":\"trace-1\",\"costDetails\":{\"total\":\"free\"}}}");
        malformed("invalid_cost", "{\"id\":\"m7\"," + ok + ",\"type\":\"generation-create\",\"body\":{\"id\":\"trace-1-obs-0\",\"traceId\":\"trace-1\",\"costDetails\":{\"total\":1e999999}}}");
        String score = "{\"id\":\"ms\"," + ok + ",\"type\":\"score-create\",\"body\":";
        malformed("score_without_trace", score + "{\"id\":\"s-session\",\"sessionId\":\"sess-1\",\"name\":\"quality\",\"value\":1}}");
        malformed("invalid_score", score + "{\"id\":\"s-bad1\",\"traceId\":\"trace-1\",\"name\":\"quality\",\"dataType\":\"NUMERIC\",\"value\":\"high\"}}");
        malformed("invalid_score", score + "{\"id\":\"s-bad2\",\"traceId\":\"trace-1\",\"name\":\"helpful\",\"dataType\":\"BOOLEAN\",\"value\":2}}");
        malformed("invalid_score", score + "{\"id\":\"s-bad3\",\"traceId\":\"trace-1\",\"name\":\"quality\",\"dataType\":\"PERCENT\",\"value\":1}}");
        malformed("invalid_score", score + "{\"id\":\"s-bad4\",\"traceId\":\"trace-1\",\"name\":\"quality\",\"value\":1e999999}}");
        malformed("invalid_score", score + "{\"id\":\"s-bad5\",\"traceId\":\"trace-1\",\"value\":1}}");
        malformed("not_json", "{\"id\":\"m8\"," + ok + ",\"type\":\"generation-create\",\"body\":{\"id\":\"x\",\"traceId\":\"trace-1\",\"costDetails\":{\"total\":NaN}}}");
        Collections.shuffle(lines, rnd);
    }

    private void countInvalidUser(IntendedEvent e) {
        for (int k = 0; k < INVALID_USER_IDS.length; k++) {
            if (INVALID_USER_IDS[k].equals(e.userIdJson)) {
                expectedRejections.merge(INVALID_REASONS[k], 1, Integer::sum);
                return;
            }
        }
    }

    private void malformed(String reason, String line) {
        lines.add(line);
        expectedRejections.merge(reason, 1, Integer::sum);
    }
}
