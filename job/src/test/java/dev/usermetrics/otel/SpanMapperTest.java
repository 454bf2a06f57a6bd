package dev.usermetrics.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.validation.EventParser;
import dev.usermetrics.validation.ParseOutcome;
import dev.usermetrics.validation.RejectReason;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import com.google.protobuf.ByteString;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The OTLP mapping rules on a real export of the Langfuse JS SDK (5.11.1, captured by
 * src/test/resources/otel-sdk/scenario.mjs: nested observations, a span ended before
 * propagateAttributes, a generation with usage and cost, usage without cost, invalid userIds
 * dropped by the SDK) and on hand-built spans for the rules that SDK does not exercise.
 */
class SpanMapperTest {
    private static final long RECORD_TS = 1_795_650_080_000L;

    private static byte[] captured() throws Exception {
        try (InputStream in = SpanMapperTest.class.getResourceAsStream("/otel/js-sdk-5.11.1-export.json")) {
            return in.readAllBytes();
        }
    }

    /** Every accepted event of a mapped export, through the job's own parser. */
    private static List<IngestionEvent> events(ExportTraceServiceRequest request, SpanMapper mapper) {
        List<IngestionEvent> out = new ArrayList<>();
        EventParser parser = new EventParser();
        for (SpanMapper.Result r : mapper.map(request, RECORD_TS)) {
            ParseOutcome o = parser.parse(SpanMapper.bytes(((SpanMapper.Event) r).json()));
            assertThat(o).as("%s", r).isInstanceOf(ParseOutcome.Accepted.class);
            out.add(((ParseOutcome.Accepted) o).event());
        }
        return out;
    }

    @Test
    void theJsSdkExportBecomesOneObservationPerSpanAndOneTracePerRoot() throws Exception {
        ExportTraceServiceRequest request = OtlpDecoder.decode(captured(), InputFormat.OTLP_JSON);
        List<IngestionEvent> events = events(request, new SpanMapper("langfuse.project.id", "p1"));
        assertThat(events).filteredOn(e -> e.kind == EntityKind.OBSERVATION).hasSize(10);
        assertThat(events).filteredOn(e -> e.kind == EntityKind.TRACE).hasSize(4);
        assertThat(events).allMatch(e -> e.projectId.equals("p1") && e.environment.equals("production"));

        Map<String, String> userByObservation = new TreeMap<>();
        for (IngestionEvent e : events) {
            if (e.kind == EntityKind.OBSERVATION) {
                userByObservation.merge(e.observationId, String.valueOf(e.userId), (a, b) -> a + "," + b);
            }
        }
        // The span that ended before propagateAttributes has no user; the invalid userIds were
        // dropped by the SDK; the root was active, so it carries the user.
        assertThat(userByObservation).containsEntry("b64d95ae5fc4fe9e", "null") // load-config
                .containsEntry("8c06fd7622002bbf", "user-a") // handle-request (root)
                .containsEntry("126d37f7dab2152e", "user-a") // retrieve
                .containsEntry("859ab69a436d1038", "user-a") // llm-call
                .containsEntry("177af9a398ad9999", "user-b"); // summarize
        assertThat(events).filteredOn(e -> e.kind == EntityKind.TRACE && "user-a".equals(e.userId))
                .singleElement().satisfies(t -> {
                    assertThat(t.traceId).startsWith("b069983c").hasSize(32); // hex, as the SDK and Langfuse show it
                    assertThat(t.bodyTimeNanos).isEqualTo(1_795_650_079_232_000_000L); // the root's start
                });

        IngestionEvent gen = events.stream().filter(e -> "859ab69a436d1038".equals(e.observationId)).findFirst().orElseThrow();
        assertThat(gen.model).isEqualTo("gpt-4o");
        assertThat(gen.usage).isEqualTo(Map.of("input", 321L, "output", 123L, "total", 444L, "input_cached_tokens", 64L));
        // {"input":1.234e-7,"output":5e-8} as exact decimals
        assertThat(gen.cost.get("input")).isEqualByComparingTo("0.0000001234");
        assertThat(gen.cost.get("output")).isEqualByComparingTo("0.00000005");
        assertThat(gen.bodyTimeNanos).isEqualTo(1_795_650_079_234_000_000L);
        assertThat(gen.timestampNanos).isEqualTo(RECORD_TS * 1_000_000L); // the record's time: later exports win
        IngestionEvent usageOnly = events.stream().filter(e -> "bd1a37572f5cc9ea".equals(e.observationId)).findFirst().orElseThrow();
        assertThat(usageOnly.usage).isEqualTo(Map.of("input", 1000L, "output", 200L));
        assertThat(usageOnly.cost).isNull();
        assertThat(usageOnly.model).isEqualTo("gpt-4o-mini");
    }

    @Test
    void protoAndJsonOfTheSameExportMapToTheSameEventsAndARetryToTheSameIds() throws Exception {
        ExportTraceServiceRequest fromJson = OtlpDecoder.decode(captured(), InputFormat.OTLP_JSON);
        ExportTraceServiceRequest fromProto = OtlpDecoder.decode(fromJson.toByteArray(), InputFormat.OTLP_PROTO);
        SpanMapper m = new SpanMapper("langfuse.project.id", "p1");
        List<String> a = m.map(fromJson, RECORD_TS).stream().map(r -> ((SpanMapper.Event) r).json().toString()).toList();
        List<String> b = m.map(fromProto, RECORD_TS).stream().map(r -> ((SpanMapper.Event) r).json().toString()).toList();
        assertThat(b).isEqualTo(a);
        List<String> ids = events(fromJson, m).stream().map(e -> e.eventId).toList();
        assertThat(events(fromProto, m).stream().map(e -> e.eventId).toList()).isEqualTo(ids);
        assertThat(ids).doesNotHaveDuplicates();
    }

    private static KeyValue kv(String key, AnyValue v) {
        return KeyValue.newBuilder().setKey(key).setValue(v).build();
    }

    private static AnyValue str(String s) {
        return AnyValue.newBuilder().setStringValue(s).build();
    }

    private static AnyValue num(long n) {
        return AnyValue.newBuilder().setIntValue(n).build();
    }

    private static ExportTraceServiceRequest export(List<KeyValue> resource, Span... spans) {
        ResourceSpans.Builder rs = ResourceSpans.newBuilder();
        rs.getResourceBuilder().addAllAttributes(resource);
        rs.addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)));
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build();
    }

    private static Span.Builder span(String spanId, String parent) {
        Span.Builder b = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex("0af7651916cd43dd8448eb211c80319c")))
                .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(spanId)))
                .setName("s").setStartTimeUnixNano(1_000_000_000_123L).setEndTimeUnixNano(2_000_000_000_000L);
        if (parent != null) {
            b.setParentSpanId(ByteString.copyFrom(HexFormat.of().parseHex(parent)));
        }
        return b;
    }

    @Test
    void genAiAttributesGiveTheModelUsageAndCostAndMakeAGeneration() {
        Span s = span("00f067aa0ba902b7", "00f067aa0ba902b6")
                .addAttributes(kv("gen_ai.request.model", str("claude-sonnet-4")))
                .addAttributes(kv("gen_ai.usage.prompt_tokens", num(5)))
                .addAttributes(kv("gen_ai.usage.input_tokens", num(100)))
                .addAttributes(kv("gen_ai.usage.completion_tokens", num(40)))
                .addAttributes(kv("gen_ai.usage.total_tokens", num(140)))
                .addAttributes(kv("gen_ai.usage.cache_read_input_tokens", num(30)))
                .addAttributes(kv("gen_ai.usage.cost", AnyValue.newBuilder().setDoubleValue(0.00042).build()))
                .addAttributes(kv("langfuse.user.id", str("first")))
                .addAttributes(kv("user.id", str("second")))
                .addAttributes(kv("deployment.environment", str("staging")))
                .build();
        List<IngestionEvent> events = events(export(List.of(kv("langfuse.project.id", str("proj"))), s),
                new SpanMapper("langfuse.project.id", null));
        IngestionEvent e = events.get(0);
        assertThat(events).hasSize(1); // not a root: no trace event
        assertThat(e.projectId).isEqualTo("proj");
        assertThat(e.model).isEqualTo("claude-sonnet-4");
        assertThat(e.usage).isEqualTo(Map.of("input", 100L, "output", 40L, "total", 140L, "cache_read_input_tokens", 30L));
        assertThat(e.cost).containsOnlyKeys("total");
        assertThat(e.cost.get("total")).isEqualByComparingTo(new BigDecimal("0.00042"));
        assertThat(e.userId).isEqualTo("first"); // langfuse.user.id before user.id
        assertThat(e.environment).isEqualTo("staging");
        assertThat(e.bodyTimeNanos).isEqualTo(1_000_000_000_123L);
    }

    @Test
    void invalidUserIdsFollowTheUserIdRulesAndAResourceWithoutProjectIsRejected() {
        Span number = span("00f067aa0ba902b7", null).addAttributes(kv("user.id", num(12345))).build();
        Span tooLong = span("00f067aa0ba902b8", null).addAttributes(kv("user.id", str("u".repeat(201)))).build();
        Map<RejectReason, Integer> reasons = new TreeMap<>();
        EventParser parser = new EventParser();
        SpanMapper m = new SpanMapper("langfuse.project.id", "fallback");
        for (SpanMapper.Result r : m.map(export(List.of(), number, tooLong), RECORD_TS)) {
            ParseOutcome o = parser.parse(SpanMapper.bytes(((SpanMapper.Event) r).json()));
            ParseOutcome.Accepted a = (ParseOutcome.Accepted) o; // kept, without the userId
            assertThat(a.event().userId).isNull();
            assertThat(a.event().projectId).isEqualTo("fallback");
            a.fixes().forEach(f -> reasons.merge(f.reason(), 1, Integer::sum));
        }
        // observation + trace event of each span
        assertThat(reasons).isEqualTo(Map.of(RejectReason.USER_ID_NOT_STRING, 2, RejectReason.USER_ID_TOO_LONG, 2));

        List<SpanMapper.Result> noProject = new SpanMapper("langfuse.project.id", null).map(export(List.of(), number), RECORD_TS);
        assertThat(noProject).singleElement().isInstanceOfSatisfying(SpanMapper.Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo(RejectReason.MISSING_FIELD);
            assertThat(r.detail()).contains("langfuse.project.id", "--otlp.default-project");
        });
    }

    @Test
    void metadataUserIdsResourceEnvironmentAndObservationTypes() {
        SpanMapper m = new SpanMapper("langfuse.project.id", "p");
        List<KeyValue> resource = List.of(kv("deployment.environment.name", str("staging")));
        Span traceMeta = span("00f067aa0ba902b1", "00f067aa0ba902b0")
                .addAttributes(kv("langfuse.observation.metadata.langfuse_user_id", str("from-observation-metadata")))
                .addAttributes(kv("langfuse.trace.metadata.langfuse_user_id", str("from-trace-metadata")))
                .addAttributes(kv(SpanMapper.TYPE, str("AGENT"))).build();
        Span obsMeta = span("00f067aa0ba902b2", "00f067aa0ba902b0")
                .addAttributes(kv("langfuse.observation.metadata.langfuse_user_id", str("from-observation-metadata")))
                .addAttributes(kv(SpanMapper.TYPE, str("not-a-type")))
                .addAttributes(kv("langfuse.environment", str("production"))).build();
        Span modelOnly = span("00f067aa0ba902b3", "00f067aa0ba902b0")
                .addAttributes(kv("gen_ai.response.model", str("gpt-4o-2024-08-06"))).build();
        List<SpanMapper.Result> results = m.map(export(resource, traceMeta, obsMeta, modelOnly), RECORD_TS);
        List<String> types = results.stream().map(r -> ((SpanMapper.Event) r).json().get("type").asText()).toList();
        assertThat(types).containsExactly("agent-create", "span-create", "generation-create");
        List<IngestionEvent> events = events(export(resource, traceMeta, obsMeta, modelOnly), m);
        // Observation metadata before trace metadata (Langfuse's order).
        assertThat(events).extracting(e -> e.userId)
                .containsExactly("from-observation-metadata", "from-observation-metadata", null);
        // Per key (langfuse.environment, deployment.environment.name, deployment.environment) the
        // span's attribute, then the resource's.
        assertThat(events).extracting(e -> e.environment).containsExactly("staging", "production", "staging");
        assertThat(events.get(2).model).isEqualTo("gpt-4o-2024-08-06");
    }

    @Test
    void usageDetailsThatAreNotAJsonObjectRejectTheSpanWithTheParsersReason() {
        Span bad = span("00f067aa0ba902b7", "00f067aa0ba902b6")
                .addAttributes(kv(SpanMapper.USAGE_DETAILS, str("{not json"))).build();
        SpanMapper.Result r = new SpanMapper("langfuse.project.id", "p").map(export(List.of(), bad), RECORD_TS).get(0);
        ParseOutcome o = new EventParser().parse(SpanMapper.bytes(((SpanMapper.Event) r).json()));
        assertThat(o).isInstanceOfSatisfying(ParseOutcome.Rejected.class,
                rej -> assertThat(rej.reason()).isEqualTo(RejectReason.INVALID_USAGE));
    }

    @Test
    void aRecordThatIsNotOtlpIsRejectedWithAReason() {
        assertThatThrownBy(() -> OtlpDecoder.decode("{\"resourceSpans\": 3".getBytes(StandardCharsets.UTF_8), InputFormat.OTLP_JSON))
                .isInstanceOf(OtlpDecoder.NotOtlp.class);
        assertThatThrownBy(() -> OtlpDecoder.decode("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\"}]}]}]}"
                .getBytes(StandardCharsets.UTF_8), InputFormat.OTLP_JSON)).hasMessageContaining("traceId is not a hex string");
        assertThatThrownBy(() -> OtlpDecoder.decode(new byte[] {(byte) 0xff, 0x01, 0x02}, InputFormat.OTLP_PROTO))
                .isInstanceOf(OtlpDecoder.NotOtlp.class);
    }
}
