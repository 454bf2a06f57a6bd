package dev.usermetrics.localcluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Writes a realistic, deterministic (by seed) stream of ingestion events as JSONL: Zipf-like
 * user activity, traces of 1–20 observations, 60 % of them generations with usage (half of those
 * events with cost, the rest left to the model price tables; one model of five has no seed
 * price) and 30 % of the generations updated later, 2 % of traces with a late user assignment and 2 % whose user changes,
 * environments (production / staging), user feedback scores (thumbs up/down on a fifth of the
 * traces, a quality score on a tenth), 5 % duplicate deliveries, a few invalid userIds and
 * malformed lines, 70 % of the traces in a session (4 per user), and bounded reordering (windows of 64 events). For demos and benchmarks; the
 * tests have their own generator with a reference model.
 *
 * <p>{@code --profile uniform} is the other shape the benchmarks run, a new user's traffic:
 * activity spread evenly over the users, traces of 1–8 observations (~7.5 events per trace) over
 * 3 days, 30 % of traces with their userId only on a later event, 6 % whose user changes, 40 % of
 * the generations updated, 10 % of the events delivered twice and reordering in windows of 2,048
 * events (across partitions and traces). The Zipf profile hides the cost of the row path (few
 * users take most events); this one does not.
 */
public final class GenerateEvents {
    /** The trace names of the generated apps (the user page's traces show them). */
    private static final String[] TRACE_NAMES = {"chat", "summarize", "search", "agent-run"};

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "gemini-2.5-flash",
        "my-finetuned-llama"};

    /** The workload shape; see the class comment. */
    public enum Profile {
        // users: Zipf or uniform; obs: max observations per trace; days of event time; late, changed
        // user and updated-generation percentages; duplicate deliveries (per trace for zipf, per
        // event for uniform); reordering window; measured events per trace (sizes --events runs).
        ZIPF(false, 20, 7, 2, 2, 30, 5, 64, 13.7),
        UNIFORM(true, 8, 3, 30, 6, 40, 10, 2048, 7.6);

        final boolean uniformUsers;
        final int maxObservations;
        final int days;
        final int latePct;
        final int changedPct;
        final int updatePct;
        final int duplicatePct;
        final int window;
        final double eventsPerTrace;

        Profile(boolean uniformUsers, int maxObservations, int days, int latePct, int changedPct, int updatePct,
                int duplicatePct, int window, double eventsPerTrace) {
            this.uniformUsers = uniformUsers;
            this.maxObservations = maxObservations;
            this.days = days;
            this.latePct = latePct;
            this.changedPct = changedPct;
            this.updatePct = updatePct;
            this.duplicatePct = duplicatePct;
            this.window = window;
            this.eventsPerTrace = eventsPerTrace;
        }
    }

    /** Average events per trace of the default (Zipf) profile: sizes live runs (SoakProducer). */
    static final double EVENTS_PER_TRACE = Profile.ZIPF.eventsPerTrace;

    private final Random rnd;
    private final int users;
    private final int projects;
    private final Instant start;
    private final Profile profile;
    private long eventSeq;

    GenerateEvents(long seed, int users, int projects, Instant start) {
        this(seed, users, projects, start, Profile.ZIPF);
    }

    GenerateEvents(long seed, int users, int projects, Instant start, Profile profile) {
        this.rnd = new Random(seed);
        this.users = users;
        this.projects = projects;
        this.start = start;
        this.profile = profile;
    }

    public static void main(String[] args) throws IOException {
        int traces = 1000;
        long events = 0;
        int users = 100;
        int projects = 3;
        long seed = 1;
        Path out = null;
        Profile profile = Profile.ZIPF;
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--traces" -> traces = Integer.parseInt(args[++i]);
                case "--events" -> events = Long.parseLong(args[++i]);
                case "--users" -> users = Integer.parseInt(args[++i]);
                case "--projects" -> projects = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--start" -> start = Instant.parse(args[++i]);
                case "--output" -> out = Path.of(args[++i]);
                case "--profile" -> profile = Profile.valueOf(args[++i].toUpperCase(java.util.Locale.ROOT));
                default -> {
                    System.err.println("usage: generate-events [--traces 1000 | --events N] [--users 100] [--projects 3] "
                            + "[--profile zipf|uniform] [--seed 1] [--start 2026-11-01T00:00:00Z] [--output file.jsonl]");
                    System.exit(2);
                }
            }
        }
        if (events > 0) {
            // Enough traces for N events; the output stops at exactly N lines.
            traces = (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(events / profile.eventsPerTrace * 1.1));
        }
        GenerateEvents g = new GenerateEvents(seed, users, projects, start, profile);
        try (Writer w = out == null
                ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            long lines = g.write(traces, events > 0 ? events : Long.MAX_VALUE, w);
            System.err.println("Generated " + lines + " events" + (events > 0 ? "" : " for " + traces + " traces"));
        }
    }

    /** Writes the events of `traces` traces, at most maxLines lines; returns the lines written. */
    private long write(int traces, long maxLines, Writer w) throws IOException {
        long lines = 0;
        List<String> window = new ArrayList<>();
        for (int t = 0; t < traces && lines < maxLines; t++) {
            window.addAll(trace(t, traces));
            if (window.size() >= profile.window || t == traces - 1) {
                Collections.shuffle(window, rnd); // bounded reordering
                for (String l : window) {
                    if (lines == maxLines) {
                        break;
                    }
                    w.write(l);
                    w.write('\n');
                    lines++;
                }
                window.clear();
            }
        }
        return lines;
    }

    private String user() {
        if (profile.uniformUsers) {
            return "user-" + (1 + rnd.nextInt(users));
        }
        // Zipf-like: a few heavy users, a long tail.
        int u = (int) Math.floor(Math.pow(users, rnd.nextDouble()));
        return "user-" + Math.min(u, users);
    }

    List<String> trace(int t, int traces) {
        List<String> out = new ArrayList<>();
        String project = "project-" + (1 + t % projects);
        String traceId = "trace-" + Long.toHexString(rnd.nextLong());
        // Traces arrive in time order over 7 days (as a live stream does), with some jitter.
        long spanMicros = profile.days * 86_400_000_000L;
        Instant ts = start.plus(spanMicros / Math.max(1, traces) * t + (long) (rnd.nextDouble() * 5_000_000), ChronoUnit.MICROS);
        String user = user();
        int kind = rnd.nextInt(100);
        boolean late = kind < profile.latePct;
        boolean changed = kind >= profile.latePct && kind < profile.latePct + profile.changedPct;
        ObjectNode trace = envelope(project, "trace-create", ts);
        ObjectNode tb = trace.putObject("body");
        // One of a few trace names, derived from the trace id (not drawn: the stream stays what it was for a seed).
        tb.put("id", traceId).put("name", TRACE_NAMES[Math.floorMod(traceId.hashCode() >> 16, TRACE_NAMES.length)])
                .put("timestamp", ts.toString())
                .put("environment", rnd.nextInt(100) < 85 ? "production" : "staging");
        if (!late) {
            tb.put("userId", user);
        }
        if (kind == 99) {
            tb.put("userId", 1234567); // invalid: not a string (dropped with a warning)
        }
        // 70 % of the traces are in one of the user's 4 sessions (chat threads); derived from the
        // trace id, not drawn, so the rest of the stream stays what it was for a seed.
        int h = traceId.hashCode();
        if (Math.floorMod(h, 10) < 7) {
            tb.put("sessionId", "session-" + user + "-" + Math.floorMod(h >> 8, 4));
        }
        out.add(trace.toString());
        int observations = 1 + rnd.nextInt(profile.maxObservations);
        for (int o = 0; o < observations; o++) {
            Instant os = ts.plusMillis(200L * o + rnd.nextInt(150));
            boolean generation = rnd.nextInt(100) < 60;
            String obsId = traceId + "-" + o;
            ObjectNode e = envelope(project, generation ? "generation-create" : "span-create", os);
            ObjectNode b = e.putObject("body");
            b.put("id", obsId).put("traceId", traceId).put("startTime", os.toString());
            String obsUser = changed && o == observations - 1 ? user() : user;
            if (!late || o == observations - 1) {
                b.put("userId", obsUser);
            }
            if (generation) {
                b.put("model", MODELS[rnd.nextInt(MODELS.length)]);
                usage(b);
            }
            out.add(e.toString());
            if (generation && rnd.nextInt(100) < profile.updatePct) {
                ObjectNode u = envelope(project, "generation-update", os.plusMillis(500 + rnd.nextInt(2000)));
                ObjectNode ub = u.putObject("body");
                ub.put("id", obsId).put("traceId", traceId).put("endTime", os.plusSeconds(2).toString());
                if (!late || o == observations - 1) {
                    ub.put("userId", obsUser);
                }
                usage(ub);
                out.add(u.toString());
            }
        }
        if (rnd.nextInt(100) < 20) {
            out.add(score(project, traceId, "thumbs", "BOOLEAN", rnd.nextInt(100) < 80 ? 1 : 0, ts.plusSeconds(30)));
        }
        if (rnd.nextInt(100) < 10) {
            out.add(score(project, traceId, "quality", "NUMERIC", rnd.nextInt(101) / 100.0, ts.plusSeconds(60)));
        }
        if (profile == Profile.ZIPF) {
            if (rnd.nextInt(100) < profile.duplicatePct) {
                out.add(out.get(rnd.nextInt(out.size()))); // duplicate delivery
            }
        } else {
            for (int i = out.size() - 1; i >= 0; i--) {
                if (rnd.nextInt(100) < profile.duplicatePct) {
                    out.add(out.get(i)); // duplicate delivery (reordered with the rest)
                }
            }
        }
        if (rnd.nextInt(1000) < 2) {
            out.add("{\"id\": \"broken-" + t + "\", \"timestamp\": "); // malformed
        }
        return out;
    }

    private String score(String project, String traceId, String name, String dataType, double value, Instant ts) {
        ObjectNode e = envelope(project, "score-create", ts);
        e.putObject("body").put("id", traceId + "-" + name).put("traceId", traceId).put("name", name)
                .put("dataType", dataType).put("value", value).put("timestamp", ts.toString());
        return e.toString();
    }

    private void usage(ObjectNode body) {
        long input = 50 + rnd.nextInt(4000);
        long output = 10 + rnd.nextInt(1500);
        ObjectNode u = body.putObject("usageDetails");
        u.put("input", input).put("output", output).put("total", input + output);
        if (rnd.nextBoolean()) {
            return; // usage only: the job computes the cost from the model prices
        }
        ObjectNode c = body.putObject("costDetails");
        BigDecimal ic = BigDecimal.valueOf(input).multiply(new BigDecimal("0.0000025"));
        BigDecimal oc = BigDecimal.valueOf(output).multiply(new BigDecimal("0.00001"));
        c.put("input", ic).put("output", oc).put("total", ic.add(oc));
    }

    private ObjectNode envelope(String project, String type, Instant ts) {
        ObjectNode e = JSON.createObjectNode();
        e.put("id", "evt-" + Long.toHexString(rnd.nextLong()) + "-" + (eventSeq++));
        e.put("timestamp", ts.toString());
        e.put("type", type);
        e.put("projectId", project);
        return e;
    }
}
