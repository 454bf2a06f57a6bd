package dev.usermetrics.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventParserTest {
    private final EventParser parser = new EventParser();

    private ParseOutcome parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private IngestionEvent accepted(String json) {
        ParseOutcome o = parse(json);
        assertThat(o).as(o.toString()).isInstanceOf(ParseOutcome.Accepted.class);
        return ((ParseOutcome.Accepted) o).event();
    }

    private ParseOutcome.Rejected rejected(String json) {
        ParseOutcome o = parse(json);
        assertThat(o).as(o.toString()).isInstanceOf(ParseOutcome.Rejected.class);
        return (ParseOutcome.Rejected) o;
    }

    private static String event(String type, String body) {
        return "{\"id\":\"e1\",\"timestamp\":\"2026-01-02T03:04:05.123456Z\",\"type\":\"" + type
                + "\",\"projectId\":\"p1\",\"body\":" + body + "}";
    }

    private static long nanos(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void traceCreate() {
        IngestionEvent e = accepted(event("trace-create",
                "{\"id\":\"t1\",\"timestamp\":\"2026-01-02T01:00:00+02:00\",\"userId\":\"u1\",\"name\":\"x\",\"extra\":{\"a\":1}}"));
        assertThat(e.kind).isEqualTo(EntityKind.TRACE);
        assertThat(e.eventId).isEqualTo("e1");
        assertThat(e.projectId).isEqualTo("p1");
        assertThat(e.traceId).isEqualTo("t1");
        assertThat(e.observationId).isNull();
        assertThat(e.userId).isEqualTo("u1");
        assertThat(e.timestampNanos).isEqualTo(nanos("2026-01-02T03:04:05.123456Z"));
        assertThat(e.bodyTimeNanos).isEqualTo(nanos("2026-01-01T23:00:00Z"));
    }

    /**
     * sessionId follows the user-ID rules on traces and observations (the trace's session); an
     * unusable one is dropped with its reason and the event kept; a score's is not the trace's.
     */
    @Test
    void sessionIdsOfTracesAndObservationsFollowTheUserIdRules() {
        assertThat(accepted(event("trace-create", "{\"id\":\"t1\",\"sessionId\":\"chat-42\"}")).sessionId).isEqualTo("chat-42");
        assertThat(accepted(event("span-create", "{\"id\":\"o1\",\"traceId\":\"t1\",\"sessionId\":\"chat-42\"}")).sessionId)
                .isEqualTo("chat-42");
        assertThat(accepted(event("trace-create", "{\"id\":\"t1\",\"sessionId\":\"\"}")).sessionId).isNull();
        for (String[] bad : new String[][] {{"42", "SESSION_ID_NOT_STRING"}, {"\"" + "s".repeat(201) + "\"", "SESSION_ID_TOO_LONG"},
                {"\"a\\u0000b\"", "SESSION_ID_NOT_STORABLE"}}) {
            ParseOutcome.Accepted a = (ParseOutcome.Accepted) parse(event("trace-create",
                    "{\"id\":\"t1\",\"userId\":\"u1\",\"sessionId\":" + bad[0] + "}"));
            assertThat(a.event().sessionId).isNull();
            assertThat(a.event().userId).isEqualTo("u1");
            assertThat(a.fixes()).extracting(ParseOutcome.FieldFix::reason).containsExactly(RejectReason.valueOf(bad[1]));
            assertThat(RejectReason.valueOf(bad[1]).action().code()).isEqualTo("session_id_dropped");
        }
        assertThat(accepted(event("score-create", "{\"id\":\"s1\",\"traceId\":\"t1\",\"sessionId\":\"chat-42\",\"name\":\"q\",\"value\":1}"))
                .sessionId).isNull();
    }

    /** A trace's name: a string of at most 1000 characters that Postgres can store; else dropped with a reason, the trace kept. */
    @Test
    void traceNamesFollowLangfusesLimitAndAnUnusableOneIsDropped() {
        assertThat(accepted(event("trace-create", "{\"id\":\"t1\",\"name\":\"chat\"}")).traceName).isEqualTo("chat");
        assertThat(accepted(event("trace-create", "{\"id\":\"t1\",\"name\":\"" + "n".repeat(1000) + "\"}")).traceName).hasSize(1000);
        assertThat(accepted(event("trace-create", "{\"id\":\"t1\",\"name\":\"\"}")).traceName).isNull();
        // An observation's name is its own, not the trace's.
        assertThat(accepted(event("span-create", "{\"id\":\"o1\",\"traceId\":\"t1\",\"name\":\"step\"}")).traceName).isNull();
        for (String bad : new String[] {"42", "{\"a\":1}", "\"" + "n".repeat(1001) + "\"", "\"a\\u0000b\""}) {
            ParseOutcome.Accepted a = (ParseOutcome.Accepted) parse(event("trace-create", "{\"id\":\"t1\",\"userId\":\"u1\",\"name\":" + bad + "}"));
            assertThat(a.event().traceName).as(bad).isNull();
            assertThat(a.event().userId).isEqualTo("u1");
            assertThat(a.fixes()).extracting(ParseOutcome.FieldFix::reason).containsExactly(RejectReason.INVALID_TRACE_NAME);
        }
        assertThat(RejectReason.INVALID_TRACE_NAME.action().code()).isEqualTo("trace_name_dropped");
    }

    @Test
    void generationWithUsageAndCostDetails() {
        IngestionEvent e = accepted(event("generation-create",
                "{\"id\":\"o1\",\"traceId\":\"t1\",\"startTime\":\"2026-01-02T03:00:00Z\","
                        + "\"usageDetails\":{\"input\":10,\"output\":3000000000,\"total\":3000000010,\"cached\":null},"
                        + "\"costDetails\":{\"input\":0.000000000001,\"output\":1.5e-7,\"total\":2}}"));
        assertThat(e.kind).isEqualTo(EntityKind.OBSERVATION);
        assertThat(e.observationId).isEqualTo("o1");
        assertThat(e.traceId).isEqualTo("t1");
        assertThat(e.usage).isEqualTo(Map.of("input", 10L, "output", 3_000_000_000L, "total", 3_000_000_010L));
        assertThat(e.cost.get("input")).isEqualByComparingTo("0.000000000001");
        assertThat(e.cost.get("output")).isEqualByComparingTo("0.00000015");
        assertThat(e.cost.get("total")).isEqualByComparingTo("2");
        assertThat(e.userId).isNull();
    }

    @Test
    void legacyUsageIsMappedWhenDetailsAreAbsent() {
        IngestionEvent e = accepted(event("generation-update",
                "{\"id\":\"o1\",\"traceId\":\"t1\",\"usage\":{\"input\":5,\"output\":6,\"total\":11,"
                        + "\"inputCost\":0.1,\"outputCost\":0.2,\"totalCost\":0.3,\"unit\":\"TOKENS\"}}"));
        assertThat(e.usage).isEqualTo(Map.of("input", 5L, "output", 6L, "total", 11L));
        assertThat(e.cost).containsOnlyKeys("input", "output", "total");
        assertThat(e.cost.get("total")).isEqualByComparingTo("0.3");

        IngestionEvent openAi = accepted(event("generation-create",
                "{\"id\":\"o1\",\"traceId\":\"t1\",\"usage\":{\"promptTokens\":7,\"completionTokens\":8,\"totalTokens\":15}}"));
        assertThat(openAi.usage).isEqualTo(Map.of("input", 7L, "output", 8L, "total", 15L));
        assertThat(openAi.cost).isNull();

        IngestionEvent both = accepted(event("generation-create",
                "{\"id\":\"o1\",\"traceId\":\"t1\",\"usageDetails\":{\"input\":1},\"usage\":{\"input\":99,\"totalCost\":0.5}}"));
        assertThat(both.usage).isEqualTo(Map.of("input", 1L));
        assertThat(both.cost.get("total")).isEqualByComparingTo("0.5");
    }

    @Test
    void openAiUsageFormsAreConvertedAsLangfuseDoes() {
        // What langfuse.openai and LangChain's ChatOpenAI export (Chat Completions form).
        IngestionEvent chat = accepted(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":"
                + "{\"completion_tokens\":5,\"prompt_tokens\":17,\"total_tokens\":22,"
                + "\"completion_tokens_details\":null,\"prompt_tokens_details\":null}}"));
        assertThat(chat.usage).isEqualTo(Map.of("input", 17L, "output", 5L, "total", 22L));
        // Details become input_/output_ keys and are taken out of input/output (not below 0).
        IngestionEvent detailed = accepted(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":"
                + "{\"prompt_tokens\":100,\"completion_tokens\":50,\"total_tokens\":150,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":30,\"audio_tokens\":null},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":60}}}"));
        assertThat(detailed.usage).isEqualTo(Map.of("input", 70L, "input_cached_tokens", 30L,
                "output", 0L, "output_reasoning_tokens", 60L, "total", 150L));
        // The Responses API form.
        IngestionEvent responses = accepted(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":"
                + "{\"input_tokens\":9,\"output_tokens\":4,\"total_tokens\":13,\"output_tokens_details\":{\"reasoning_tokens\":1}}}"));
        assertThat(responses.usage).isEqualTo(Map.of("input", 9L, "output", 3L, "output_reasoning_tokens", 1L, "total", 13L));
        // Any other key, or a count missing: a plain map of its own keys.
        IngestionEvent plain = accepted(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":"
                + "{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"cache\":4}}"));
        assertThat(plain.usage).isEqualTo(Map.of("prompt_tokens", 1L, "completion_tokens", 2L, "total_tokens", 3L, "cache", 4L));
        assertThat(accepted(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":"
                + "{\"prompt_tokens\":1,\"total_tokens\":3}}")).usage).isEqualTo(Map.of("prompt_tokens", 1L, "total_tokens", 3L));
        // Invalid counts are invalid in either reading.
        assertThat(rejected(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":"
                + "{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"prompt_tokens_details\":{\"x\":-1}}}"))
                .reason()).isEqualTo(RejectReason.INVALID_USAGE);
    }

    @Test
    void emptyUsageObjectMeansAbsent() {
        IngestionEvent e = accepted(event("span-update", "{\"id\":\"o1\",\"traceId\":\"t1\",\"usageDetails\":{},\"costDetails\":{}}"));
        assertThat(e.usage).isNull();
        assertThat(e.cost).isNull();
    }

    @Test
    void invalidUserIdIsDroppedButEventKept() {
        ParseOutcome o = parse(event("span-create", "{\"id\":\"o1\",\"traceId\":\"t1\",\"userId\":12345}"));
        assertThat(o).isInstanceOf(ParseOutcome.Accepted.class);
        ParseOutcome.Accepted a = (ParseOutcome.Accepted) o;
        assertThat(a.event().userId).isNull();
        assertThat(a.fixes()).extracting(ParseOutcome.FieldFix::reason).containsExactly(RejectReason.USER_ID_NOT_STRING);
    }

    @Test
    void sdkLogsAreAcceptedWithoutMetrics() {
        assertThat(parse(event("sdk-log", "{\"log\":\"hello\"}"))).isInstanceOf(ParseOutcome.Skipped.class);
        // The user-ID rules apply to every body, also one that is not aggregated.
        ParseOutcome.Skipped log = (ParseOutcome.Skipped) parse(event("sdk-log", "{\"log\":\"x\",\"userId\":[1]}"));
        assertThat(log.fixes()).extracting(ParseOutcome.FieldFix::reason).containsExactly(RejectReason.USER_ID_NOT_STRING);
    }

    @Test
    void malformedRecordsAreRejectedWithReasons() {
        assertThat(parser.parse(new byte[0]).getClass()).isEqualTo(ParseOutcome.Rejected.class);
        assertThat(rejected("not json").reason()).isEqualTo(RejectReason.NOT_JSON);
        assertThat(rejected("{\"id\":\"e1\",").reason()).isEqualTo(RejectReason.NOT_JSON);
        assertThat(rejected("[1,2]").reason()).isEqualTo(RejectReason.NOT_AN_OBJECT);
        assertThat(rejected("{\"a\":1}{\"b\":2}").reason()).isEqualTo(RejectReason.NOT_JSON);
        assertThat(rejected("[".repeat(10_000)).reason()).isEqualTo(RejectReason.NESTING_TOO_DEEP);
        assertThat(rejected("{\"id\":\"a\",\"id\":\"b\"}").reason()).isEqualTo(RejectReason.NOT_JSON);
        byte[] badUtf8 = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertThat(((ParseOutcome.Rejected) parser.parse(badUtf8)).reason()).isEqualTo(RejectReason.NOT_JSON);

        ParseOutcome.Rejected noTrace = rejected(event("span-create", "{\"id\":\"o1\"}"));
        assertThat(noTrace.reason()).isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(noTrace.detail()).contains("body.traceId");
        assertThat(noTrace.eventId()).isEqualTo("e1");
        assertThat(noTrace.projectId()).isEqualTo("p1");

        assertThat(rejected(event("trace-create", "{\"name\":\"x\"}")).reason()).isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(rejected(event("observation-create", "{\"id\":\"o1\",\"traceId\":\"t\"}")).reason())
                .isEqualTo(RejectReason.UNKNOWN_TYPE);
        assertThat(rejected(event("trace-create", "[]")).reason()).isEqualTo(RejectReason.INVALID_FIELD);
        assertThat(rejected("{\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"sdk-log\",\"projectId\":\"p\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(rejected("{\"id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"sdk-log\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(rejected("{\"id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"sdk-log\",\"projectId\":\"\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(rejected("{\"id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"sdk-log\",\"projectId\":\"a\\u0000b\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.INVALID_FIELD);
    }

    @Test
    void fieldsNoRuleReadsAreSkippedButStillChecked() {
        // A large input/output/metadata is tokenized, not built: the event is the same as without it.
        String big = "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(50_000)
                + "\"},{\"n\":[1,2.5,true,null,{\"deep\":[[[]]]}]}]},\"output\":\"ok\",\"metadata\":{\"a\":{\"b\":1e999}}";
        IngestionEvent with = accepted(event("generation-create", "{\"id\":\"o1\",\"traceId\":\"t1\"," + big
                + ",\"usageDetails\":{\"input\":10},\"costDetails\":{\"input\":0.000000000001}}"));
        IngestionEvent without = accepted(event("generation-create",
                "{\"id\":\"o1\",\"traceId\":\"t1\",\"usageDetails\":{\"input\":10},\"costDetails\":{\"input\":0.000000000001}}"));
        assertThat(with).usingRecursiveComparison().isEqualTo(without);
        assertThat(with.cost.get("input").toPlainString()).isEqualTo("0.000000000001");
        // ...but the format's rules still hold inside skipped fields; duplicate keys matter only
        // where the job reads (a skipped field's content is the client's).
        assertThat(accepted(event("trace-create", "{\"id\":\"t\",\"metadata\":{\"k\":1,\"k\":2}}")).traceId).isEqualTo("t");
        assertThat(rejected(event("trace-create", "{\"id\":\"t\",\"id\":\"u\"}")).reason()).isEqualTo(RejectReason.NOT_JSON);
        assertThat(rejected(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":{\"input\":1,\"input\":2}}"))
                .detail()).contains("Duplicate field 'input'");
        assertThat(rejected("{\"id\":\"e\",\"type\":\"x\",\"type\":\"y\"}").reason()).isEqualTo(RejectReason.NOT_JSON);
        assertThat(rejected(event("trace-create", "{\"id\":\"t\",\"metadata\":" + "[".repeat(100) + "]".repeat(100) + "}"))
                .reason()).isEqualTo(RejectReason.NESTING_TOO_DEEP);
        assertThat(rejected(event("trace-create", "{\"id\":\"t\",\"input\":tru}")).reason()).isEqualTo(RejectReason.NOT_JSON);
        assertThat(rejected(event("trace-create", "{\"id\":\"t\"}") + " 7").reason()).isEqualTo(RejectReason.NOT_JSON);
        assertThat(rejected("{\"extra\":{\"x\":[1,}}").reason()).isEqualTo(RejectReason.NOT_JSON);
        byte[] head = event("trace-create", "{\"id\":\"t\",\"input\":\"__\"}").getBytes(StandardCharsets.UTF_8);
        String text = new String(head, StandardCharsets.UTF_8);
        int at = text.indexOf("__");
        head[at] = (byte) 0xC3;
        head[at + 1] = (byte) 0x28; // not a continuation byte
        assertThat(((ParseOutcome.Rejected) parser.parse(head)).reason()).isEqualTo(RejectReason.NOT_JSON);
        // Envelope fields of the wrong JSON type get the same reasons as before.
        assertThat(rejected("{\"id\":{\"a\":1},\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"sdk-log\",\"projectId\":\"p\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.INVALID_FIELD);
        assertThat(rejected(event("generation-create", "{\"id\":\"o1\",\"traceId\":\"t1\",\"usageDetails\":[1]}")).reason())
                .isEqualTo(RejectReason.INVALID_USAGE);
    }

    @Test
    void timestampsMustParse() {
        assertThat(rejected("{\"id\":\"e\",\"timestamp\":\"yesterday\",\"type\":\"sdk-log\",\"projectId\":\"p\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.INVALID_TIMESTAMP);
        assertThat(rejected("{\"id\":\"e\",\"timestamp\":\"2026-01-01T00:00:00\",\"type\":\"sdk-log\",\"projectId\":\"p\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.INVALID_TIMESTAMP);
        assertThat(rejected("{\"id\":\"e\",\"timestamp\":1700000000,\"type\":\"sdk-log\",\"projectId\":\"p\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.INVALID_TIMESTAMP);
        assertThat(rejected(event("span-create", "{\"id\":\"o\",\"traceId\":\"t\",\"startTime\":\"2026-13-01T00:00:00Z\"}"))
                .reason()).isEqualTo(RejectReason.INVALID_TIMESTAMP);
        assertThat(rejected("{\"id\":\"e\",\"timestamp\":\"9999-01-01T00:00:00Z\",\"type\":\"sdk-log\",\"projectId\":\"p\",\"body\":{}}")
                .reason()).isEqualTo(RejectReason.INVALID_TIMESTAMP);
    }

    @Test
    void usageMustBeNonNegativeIntegers() {
        String[] bad = {"-1", "1.5", "\"10\"", "true", "{\"a\":1}", "99999999999999999999", "[1]", "9007199254740993"};
        for (String v : bad) {
            ParseOutcome.Rejected r = rejected(event("generation-create",
                    "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":{\"input\":" + v + "}}"));
            assertThat(r.reason()).as(v).isEqualTo(RejectReason.INVALID_USAGE);
        }
        assertThat(rejected(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":[1]}")).reason())
                .isEqualTo(RejectReason.INVALID_USAGE);
        assertThat(rejected(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"usage\":{\"input\":-3}}")).reason())
                .isEqualTo(RejectReason.INVALID_USAGE);
        // Up to 2^53 per value and per event; more could not come exactly from a JS SDK.
        assertThat(accepted(event("generation-create",
                "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":{\"input\":9007199254740992}}")).usage)
                .isEqualTo(Map.of("input", 9007199254740992L));
        assertThat(rejected(event("generation-create",
                "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":{\"input\":9007199254740992,\"output\":1}}")).reason())
                .isEqualTo(RejectReason.INVALID_USAGE);
        // Integral values written as decimals or exponents are integers.
        assertThat(accepted(event("generation-create",
                "{\"id\":\"o\",\"traceId\":\"t\",\"usageDetails\":{\"input\":10.0,\"output\":1e3}}")).usage)
                .isEqualTo(Map.of("input", 10L, "output", 1000L));
    }

    @Test
    void costMustBeAFiniteNonNegativeDecimal() {
        String[] bad = {"-0.5", "\"0.1\"", "1e999999", "1e12", "true", "{}", "0.000000000000000000001"};
        for (String v : bad) {
            ParseOutcome.Rejected r = rejected(event("generation-create",
                    "{\"id\":\"o\",\"traceId\":\"t\",\"costDetails\":{\"input\":" + v + "}}"));
            assertThat(r.reason()).as(v).isEqualTo(RejectReason.INVALID_COST);
        }
        assertThat(rejected(event("generation-create", "{\"id\":\"o\",\"traceId\":\"t\",\"costDetails\":{\"input\":NaN}}")).reason())
                .isEqualTo(RejectReason.NOT_JSON);
        BigDecimal tiny = accepted(event("generation-create",
                "{\"id\":\"o\",\"traceId\":\"t\",\"costDetails\":{\"input\":1.234e-7}}")).cost.get("input");
        assertThat(tiny).isEqualByComparingTo(new BigDecimal("0.0000001234"));
    }

    @Test
    void oversizedRecordsAreRejectedBeforeParsing() {
        String big = event("span-create", "{\"id\":\"o\",\"traceId\":\"t\",\"input\":\"" + "x".repeat(EventParser.MAX_RECORD_BYTES) + "\"}");
        assertThat(rejected(big).reason()).isEqualTo(RejectReason.RECORD_TOO_LARGE);
    }
}
