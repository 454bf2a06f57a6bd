package dev.usermetrics.otel;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import dev.usermetrics.validation.BoundedNumbers;
import dev.usermetrics.validation.RejectReason;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps the spans of an OTLP export to Langfuse ingestion events (JSON, the job's input contract),
 * following Langfuse's server-side OTel mapping (docs/otel.md lists every rule). The events then
 * go through the same parser and rules as any ingestion event: a span's userId is validated by
 * UserIdRules, its usage and cost by EventParser, and so on.
 *
 * <ul>
 *   <li>every span → an observation event ({@code <type>-create}); a root span (no parent) also
 *       → a {@code trace-create} whose timestamp is the root span's start time;</li>
 *   <li>event id: a hash of the resource and the span as exported, so the same span exported
 *       twice (retries) is one event and a re-export with new attributes is a new version;
 *       envelope timestamp: the Kafka record's timestamp (later exports win), else the span's end.</li>
 * </ul>
 */
public final class SpanMapper {
    /** A mapped event, or a span (or a whole resource) that cannot be one. */
    public sealed interface Result {}

    public record Event(ObjectNode json) implements Result {}

    public record Rejected(RejectReason reason, String detail, String eventId, String projectId) implements Result {}

    /** Langfuse's order (OtelIngestionProcessor): the first key present wins. */
    static final List<String> USER_ID = List.of("langfuse.user.id", "user.id",
            "langfuse.observation.metadata.langfuse_user_id", "langfuse.trace.metadata.langfuse_user_id");
    static final List<String> SESSION_ID = List.of("langfuse.session.id", "session.id",
            "langfuse.observation.metadata.langfuse_session_id", "langfuse.trace.metadata.langfuse_session_id");
    /** Per key, the span's attribute and then the resource's. */
    static final List<String> ENVIRONMENT = List.of("langfuse.environment", "deployment.environment.name",
            "deployment.environment");
    static final List<String> MODEL = List.of("langfuse.observation.model.name", "gen_ai.request.model",
            "gen_ai.response.model");
    static final String TYPE = "langfuse.observation.type";
    static final String USAGE_DETAILS = "langfuse.observation.usage_details";
    static final String COST_DETAILS = "langfuse.observation.cost_details";
    static final String GEN_AI_USAGE = "gen_ai.usage.";
    static final String GEN_AI_COST = "gen_ai.usage.cost";
    static final Set<String> OBSERVATION_TYPES = Set.of("span", "generation", "event", "agent", "tool", "chain",
            "retriever", "evaluator", "embedding", "guardrail");

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    /** For the JSON strings inside attributes (usage and cost maps): exact decimals, bounded. */
    private static final ObjectMapper ATTRIBUTE_JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(20).maxNumberLength(100).build())
                    .build())
            .nodeFactory(NODES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private final String projectAttribute;
    private final String defaultProject;

    /**
     * @param projectAttribute the resource attribute naming the project (default langfuse.project.id)
     * @param defaultProject   the project of resources without it; null or blank: such spans are rejected
     */
    public SpanMapper(String projectAttribute, String defaultProject) {
        this.projectAttribute = projectAttribute;
        this.defaultProject = defaultProject == null || defaultProject.isBlank() ? null : defaultProject;
    }

    public List<Result> map(ExportTraceServiceRequest request, long recordTimestampMillis) {
        List<Result> out = new ArrayList<>();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            Map<String, AnyValue> resource = attributes(rs.getResource().getAttributesList());
            AnyValue projectValue = resource.get(projectAttribute);
            String project = projectValue != null && projectValue.hasStringValue() && !projectValue.getStringValue().isBlank()
                    ? projectValue.getStringValue() : defaultProject;
            byte[] resourceBytes = rs.getResource().toByteArray();
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span span : ss.getSpansList()) {
                    String id = eventId(resourceBytes, span);
                    if (project == null) {
                        out.add(new Rejected(RejectReason.MISSING_FIELD, "projectId: the span's resource has no attribute "
                                + projectAttribute + " and no --otlp.default-project is set", id, null));
                        continue;
                    }
                    mapSpan(span, resource, project, id, recordTimestampMillis, out);
                }
            }
        }
        return out;
    }

    private void mapSpan(Span span, Map<String, AnyValue> resource, String project, String id, long recordTs,
            List<Result> out) {
        Map<String, AnyValue> attrs = attributes(span.getAttributesList());
        String traceId = HexFormat.of().formatHex(span.getTraceId().toByteArray());
        String spanId = HexFormat.of().formatHex(span.getSpanId().toByteArray());
        String timestamp = recordTs >= 0 ? Instant.ofEpochMilli(recordTs).toString() : iso(span.getEndTimeUnixNano());

        ObjectNode body = NODES.objectNode();
        body.put("id", spanId);
        body.put("traceId", traceId);
        if (!span.getParentSpanId().isEmpty()) {
            body.put("parentObservationId", HexFormat.of().formatHex(span.getParentSpanId().toByteArray()));
        }
        body.put("name", span.getName());
        body.put("startTime", iso(span.getStartTimeUnixNano()));
        if (span.getEndTimeUnixNano() > 0) {
            body.put("endTime", iso(span.getEndTimeUnixNano()));
        }
        JsonNode user = first(attrs, USER_ID);
        JsonNode session = first(attrs, SESSION_ID);
        JsonNode env = null;
        for (String key : ENVIRONMENT) {
            env = env != null ? env : first(attrs, List.of(key));
            env = env != null ? env : first(resource, List.of(key));
        }
        JsonNode model = first(attrs, MODEL);
        putIfPresent(body, "userId", user);
        putIfPresent(body, "sessionId", session);
        putIfPresent(body, "environment", env);
        putIfPresent(body, "model", model);
        JsonNode usage = usage(attrs);
        JsonNode cost = cost(attrs);
        putIfPresent(body, "usageDetails", usage);
        putIfPresent(body, "costDetails", cost);
        out.add(new Event(envelope(id, timestamp, observationType(attrs, model, usage) + "-create", project, body)));

        if (span.getParentSpanId().isEmpty()) {
            ObjectNode trace = NODES.objectNode();
            trace.put("id", traceId);
            trace.put("timestamp", iso(span.getStartTimeUnixNano()));
            trace.put("name", span.getName());
            putIfPresent(trace, "userId", user);
            putIfPresent(trace, "sessionId", session);
            putIfPresent(trace, "environment", env);
            out.add(new Event(envelope("trace-" + id, timestamp, "trace-create", project, trace)));
        }
    }

    private static ObjectNode envelope(String id, String timestamp, String type, String project, ObjectNode body) {
        ObjectNode e = NODES.objectNode();
        e.put("id", id);
        e.put("timestamp", timestamp);
        e.put("type", type);
        e.put("projectId", project);
        e.set("body", body);
        return e;
    }

    /** langfuse.observation.type when it names a Langfuse type; else generation when model or usage is present. */
    static String observationType(Map<String, AnyValue> attrs, JsonNode model, JsonNode usage) {
        AnyValue t = attrs.get(TYPE);
        if (t != null && t.hasStringValue() && OBSERVATION_TYPES.contains(t.getStringValue().toLowerCase(java.util.Locale.ROOT))) {
            return t.getStringValue().toLowerCase(java.util.Locale.ROOT);
        }
        return model != null || usage != null ? "generation" : "span";
    }

    /**
     * langfuse.observation.usage_details (a JSON object, as the Langfuse SDKs write it) first;
     * else gen_ai.usage.*: input_tokens / prompt_tokens → input, output_tokens / completion_tokens →
     * output, total_tokens → total, every other numeric gen_ai.usage key (cached, reasoning, …)
     * under its own name; gen_ai.usage.cost is a cost, not usage.
     */
    static JsonNode usage(Map<String, AnyValue> attrs) {
        AnyValue details = attrs.get(USAGE_DETAILS);
        if (details != null) {
            return jsonAttribute(details);
        }
        ObjectNode usage = NODES.objectNode();
        for (Map.Entry<String, AnyValue> a : attrs.entrySet()) {
            if (!a.getKey().startsWith(GEN_AI_USAGE) || a.getKey().equals(GEN_AI_COST)) {
                continue;
            }
            String key = switch (a.getKey().substring(GEN_AI_USAGE.length())) {
                case "input_tokens", "prompt_tokens" -> "input";
                case "output_tokens", "completion_tokens" -> "output";
                case "total_tokens" -> "total";
                default -> a.getKey().substring(GEN_AI_USAGE.length());
            };
            JsonNode v = value(a.getValue());
            if (v != null && (v.isNumber() || v.isTextual())) {
                // input_tokens wins over the legacy prompt_tokens (and output over completion).
                if (!usage.has(key) || a.getKey().endsWith("input_tokens") || a.getKey().endsWith("output_tokens")) {
                    usage.set(key, v.isTextual() ? number(v.asText()) : v);
                }
            }
        }
        return usage.isEmpty() ? null : usage;
    }

    /** langfuse.observation.cost_details (JSON object) first; else gen_ai.usage.cost → total. */
    static JsonNode cost(Map<String, AnyValue> attrs) {
        AnyValue details = attrs.get(COST_DETAILS);
        if (details != null) {
            return jsonAttribute(details);
        }
        AnyValue total = attrs.get(GEN_AI_COST);
        if (total == null) {
            return null;
        }
        JsonNode v = value(total);
        ObjectNode cost = NODES.objectNode();
        cost.set("total", v != null && v.isTextual() ? number(v.asText()) : v);
        return cost;
    }

    /** A JSON-string attribute parsed (exact decimals); anything else as its value, for the parser to judge. */
    private static JsonNode jsonAttribute(AnyValue v) {
        if (v.hasStringValue()) {
            try {
                return ATTRIBUTE_JSON.readTree(v.getStringValue());
            } catch (Exception e) {
                return NODES.textNode(v.getStringValue()); // rejected by the parser as invalid usage / cost
            }
        }
        return value(v);
    }

    private static JsonNode number(String text) {
        BigDecimal d = BoundedNumbers.parseOrNull(text); // length-bounded before new BigDecimal
        return d != null ? NODES.numberNode(d) : NODES.textNode(text);
    }

    /** The first present attribute among keys, as JSON (its type kept, so the user-ID rules see a non-string). */
    static JsonNode first(Map<String, AnyValue> attrs, List<String> keys) {
        for (String k : keys) {
            AnyValue v = attrs.get(k);
            if (v != null && v.getValueCase() != AnyValue.ValueCase.VALUE_NOT_SET) {
                return value(v);
            }
        }
        return null;
    }

    static JsonNode value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> NODES.textNode(v.getStringValue());
            case BOOL_VALUE -> NODES.booleanNode(v.getBoolValue());
            case INT_VALUE -> NODES.numberNode(v.getIntValue());
            case DOUBLE_VALUE -> Double.isFinite(v.getDoubleValue())
                    ? NODES.numberNode(new BigDecimal(Double.toString(v.getDoubleValue())))
                    : NODES.textNode(Double.toString(v.getDoubleValue()));
            case BYTES_VALUE -> NODES.textNode(Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                ArrayNode a = NODES.arrayNode();
                v.getArrayValue().getValuesList().forEach(x -> a.add(value(x)));
                yield a;
            }
            case KVLIST_VALUE -> {
                ObjectNode o = NODES.objectNode();
                v.getKvlistValue().getValuesList().forEach(kv -> o.set(kv.getKey(), value(kv.getValue())));
                yield o;
            }
            case VALUE_NOT_SET -> NODES.nullNode();
        };
    }

    private static void putIfPresent(ObjectNode o, String field, JsonNode v) {
        if (v != null) {
            o.set(field, v);
        }
    }

    static Map<String, AnyValue> attributes(List<KeyValue> list) {
        Map<String, AnyValue> m = new LinkedHashMap<>();
        for (KeyValue kv : list) {
            m.putIfAbsent(kv.getKey(), kv.getValue()); // OTLP forbids duplicates; the first one counts
        }
        return m;
    }

    private static String iso(long unixNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L), Math.floorMod(unixNanos, 1_000_000_000L))
                .toString();
    }

    /** The same resource and span bytes give the same id: retries are duplicates. */
    static String eventId(byte[] resource, Span span) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(resource);
            d.update((byte) 0);
            d.update(span.toByteArray());
            return "otlp-" + HexFormat.of().formatHex(span.getSpanId().toByteArray()) + "-"
                    + HexFormat.of().formatHex(d.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Serializes a mapped event for the parser. */
    public static byte[] bytes(ObjectNode event) {
        return event.toString().getBytes(StandardCharsets.UTF_8);
    }

}
