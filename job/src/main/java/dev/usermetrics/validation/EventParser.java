package dev.usermetrics.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.usermetrics.records.Counts;
import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import java.io.CharConversionException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates one ingestion event (the Langfuse ingestion envelope plus projectId, see
 * schemas/events/ingestion-event.schema.json). Thread-safe; never throws on input.
 */
public final class EventParser {

    /** Records above this size are rejected before parsing. */
    public static final int MAX_RECORD_BYTES = 512 * 1024;
    /**
     * OTLP records (a batch of spans: the Collector's Kafka exporter sends up to its producer's
     * 1 MB by default) above this size are rejected before decoding; each span's event still
     * meets {@link #MAX_RECORD_BYTES}.
     */
    public static final int MAX_OTLP_RECORD_BYTES = 16 * MAX_RECORD_BYTES;
    public static final int MAX_NESTING_DEPTH = 64;
    public static final int MAX_ID_LENGTH = 1000;
    public static final int MAX_PROJECT_ID_LENGTH = 256;
    /** A single cost value must be below 10^12 and have at most 20 decimal places. */
    public static final BigDecimal MAX_COST = BigDecimal.TEN.pow(12);
    private static final int MAX_COST_DIGITS = 12;
    public static final int MAX_COST_SCALE = 20;

    /**
     * A usage value, and the sum of one event's usage values, must not exceed 2^53 (JavaScript's
     * safe-integer limit: no JS SDK can send more exactly). Sums over many observations then stay
     * far from 64-bit overflow.
     */
    public static final long MAX_USAGE = 1L << 53;
    private static final BigInteger MAX_USAGE_BIG = BigInteger.valueOf(MAX_USAGE);
    /** 2^53 has 16 digits: a value of 10^16 or more is over the limit without further arithmetic. */
    private static final int MAX_USAGE_DIGITS = 16;

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    private final ObjectMapper mapper;

    public EventParser() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .build())
                // Duplicate keys are found by readSelected in the objects it builds (Jackson's own
                // detection keeps a hash set per object of the whole record: a third of the parse).
                .build();
        this.mapper = JsonMapper.builder(factory)
                // Exact decimals: a double would make cost sums drift.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .nodeFactory(NODES)
                .build();
    }

    /** Thrown inside the parser to reject the whole record; never escapes. */
    static final class Reject extends Exception {
        final RejectReason reason;

        Reject(RejectReason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    public ParseOutcome parse(byte[] value) {
        if (value == null || value.length == 0) {
            return new ParseOutcome.Rejected(RejectReason.EMPTY_RECORD, "record has no value", null, null);
        }
        if (value.length > MAX_RECORD_BYTES) {
            return new ParseOutcome.Rejected(RejectReason.RECORD_TOO_LARGE,
                    "record has " + value.length + " bytes, more than " + MAX_RECORD_BYTES, null, null);
        }
        JsonNode root;
        try {
            root = readSelected(value);
        } catch (StreamConstraintsException e) {
            return new ParseOutcome.Rejected(RejectReason.NESTING_TOO_DEEP, firstLine(e), null, null);
        } catch (JsonProcessingException e) {
            return new ParseOutcome.Rejected(RejectReason.NOT_JSON, firstLine(e), null, null);
        } catch (CharConversionException e) {
            return new ParseOutcome.Rejected(RejectReason.NOT_JSON, "invalid UTF-8: " + firstLine(e), null, null);
        } catch (IOException | RuntimeException e) {
            return new ParseOutcome.Rejected(RejectReason.NOT_JSON, firstLine(e), null, null);
        }
        if (root == null || root.isMissingNode()) {
            return new ParseOutcome.Rejected(RejectReason.NOT_JSON, "record holds no JSON value", null, null);
        }
        if (!root.isObject()) {
            return new ParseOutcome.Rejected(RejectReason.NOT_AN_OBJECT,
                    "event is a JSON " + root.getNodeType().name().toLowerCase() + ", not an object", null, null);
        }
        // Best-effort ids for the rejection record, before anything is validated.
        String eventId = root.path("id").isTextual() ? root.get("id").textValue() : null;
        String projectId = root.path("projectId").isTextual() ? root.get("projectId").textValue() : null;
        try {
            return parseEnvelope(root);
        } catch (Reject r) {
            return new ParseOutcome.Rejected(r.reason, r.getMessage(), storableOrNull(eventId), storableOrNull(projectId));
        }
    }

    /** The envelope fields the rules read; every other field is skipped without building it. */
    private static final Set<String> ENVELOPE_FIELDS = Set.of("id", "projectId", "type", "timestamp", "body");
    /** The body fields any rule reads (observations, traces, scores; the user-ID and environment rules). */
    private static final Set<String> BODY_FIELDS = Set.of("id", "traceId", "userId", "sessionId", "environment", "timestamp", "startTime",
            "model", "usageDetails", "costDetails", "usage", "name", "value", "stringValue", "dataType");

    /**
     * Streams through the record and builds nodes only for the fields the rules read (an event's
     * input, output and metadata — most of a real record — are tokenized, never built). Syntax,
     * UTF-8, nesting depth and trailing tokens are checked in the whole record; duplicate keys in
     * every object the job reads (envelope, body, usage and cost maps, the fields it keeps), not
     * inside fields it skips (their content is the client's own, as for JSON.parse). A root that
     * is not an object is read whole (its type goes into the rejection).
     */
    private JsonNode readSelected(byte[] value) throws IOException {
        try (JsonParser p = mapper.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return null;
            }
            if (first != JsonToken.START_OBJECT) {
                return mapper.readTree(value);
            }
            ObjectNode root = selectFields(p, ENVELOPE_FIELDS, true);
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new JsonParseException(p, "Trailing token (of type " + trailing + ") found after value: not allowed");
            }
            return root;
        }
    }

    private static JsonParseException duplicate(JsonParser p, String name) {
        return new JsonParseException(p, "Duplicate field '" + TextRules.storablePrefix(name, 100) + "'");
    }

    /** The object at the parser's START_OBJECT, with only the named fields (body's, when asked). */
    private ObjectNode selectFields(JsonParser p, Set<String> names, boolean envelope) throws IOException {
        ObjectNode out = NODES.objectNode();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            if (!names.contains(name)) {
                p.skipChildren();
                continue;
            }
            JsonNode v = envelope && name.equals("body") && t == JsonToken.START_OBJECT
                    ? selectFields(p, BODY_FIELDS, false) : valueNode(p, t);
            if (out.replace(name, v) != null) {
                throw duplicate(p, name);
            }
        }
        return out;
    }

    /**
     * The node readTree would build for the value at the parser (exact decimals, as configured);
     * containers recursively (depth bounded by the parser's nesting limit).
     */
    private static JsonNode valueNode(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDecimalValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                    if (o.replace(name, valueNode(p, p.nextToken())) != null) {
                        throw duplicate(p, name);
                    }
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken()) {
                    a.add(valueNode(p, x));
                }
                yield a;
            }
            default -> throw new JsonParseException(p, "unexpected token " + t);
        };
    }

    private ParseOutcome parseEnvelope(JsonNode root) throws Reject {
        String eventId = requireId(root, "id", MAX_ID_LENGTH);
        String projectId = requireId(root, "projectId", MAX_PROJECT_ID_LENGTH);
        JsonNode typeNode = root.get("type");
        if (typeNode == null || typeNode.isNull()) {
            throw new Reject(RejectReason.MISSING_FIELD, "missing field: type");
        }
        if (!typeNode.isTextual()) {
            throw new Reject(RejectReason.INVALID_FIELD, "type must be a string");
        }
        String type = typeNode.textValue();
        EventTypes.Handling handling = EventTypes.handling(type).orElseThrow(() -> new Reject(
                RejectReason.UNKNOWN_TYPE, "unknown type: " + TextRules.storablePrefix(type, 100)));
        long timestamp = requireTimestamp(root, "timestamp");
        JsonNode body = root.get("body");
        if (body == null || body.isNull()) {
            throw new Reject(RejectReason.MISSING_FIELD, "missing field: body");
        }
        if (!body.isObject()) {
            throw new Reject(RejectReason.INVALID_FIELD, "body must be an object");
        }
        // The user-ID and environment rules apply to every body (propagate_attributes puts them anywhere).
        List<ParseOutcome.FieldFix> fixes = new ArrayList<>(0);
        UserIdRules.Result user = UserIdRules.check(body.get("userId"));
        if (user instanceof UserIdRules.Invalid inv) {
            fixes.add(new ParseOutcome.FieldFix(inv.reason(), inv.detail()));
        }
        UserIdRules.Result session = UserIdRules.check(body.get("sessionId"), UserIdRules.Attribute.SESSION_ID);
        if (session instanceof UserIdRules.Invalid inv) {
            fixes.add(new ParseOutcome.FieldFix(inv.reason(), inv.detail()));
        }
        EnvironmentRules.Result env = EnvironmentRules.check(body.get("environment"));
        if (env.fix() != null) {
            fixes.add(env.fix());
        }
        if (handling == EventTypes.Handling.IGNORED) {
            return new ParseOutcome.Skipped(eventId, projectId, type, fixes);
        }

        IngestionEvent e = new IngestionEvent();
        e.eventId = eventId;
        e.timestampNanos = timestamp;
        e.projectId = projectId;
        e.kind = EventTypes.entityKind(handling);
        e.environment = env.environment();
        switch (e.kind) {
            case TRACE -> {
                e.traceId = requireId(body, "id", MAX_ID_LENGTH, "body.id");
                e.bodyTimeNanos = optionalTimestamp(body, "timestamp");
                e.traceName = readTraceName(body.get("name"), fixes);
            }
            case OBSERVATION -> {
                e.observationId = requireId(body, "id", MAX_ID_LENGTH, "body.id");
                e.traceId = requireId(body, "traceId", MAX_ID_LENGTH, "body.traceId");
                e.bodyTimeNanos = optionalTimestamp(body, "startTime");
                e.model = readModel(body.get("model"), fixes);
                readUsageAndCost(body, e);
            }
            case SCORE -> ScoreRules.read(body, e);
            default -> throw new IllegalStateException("not an input kind: " + e.kind);
        }
        if (user instanceof UserIdRules.Valid v) {
            e.userId = v.userId();
        }
        // A score's sessionId would name a session, not the trace's: only traces and observations carry the trace's.
        if (session instanceof UserIdRules.Valid v && e.kind != EntityKind.SCORE) {
            e.sessionId = v.userId();
        }
        return new ParseOutcome.Accepted(e, fixes);
    }

    /** Longest model name kept; longer (or unstorable) names are dropped with a warning. */
    public static final int MAX_MODEL_LENGTH = 200;
    /**
     * Keys of one usageDetails / costDetails map. SDKs send a handful (input, output, total, cached
     * and reasoning tokens, audio, ...); every key of an event becomes a key of its user's rows,
     * which are rewritten whole on each change, so 10,000 keys in one record would make every
     * later event of that user cost 10,000 keys.
     */
    public static final int MAX_DETAIL_KEYS = 64;

    private static String readModel(JsonNode n, List<ParseOutcome.FieldFix> fixes) {
        if (n == null || n.isNull()) {
            return null;
        }
        String why = null;
        if (!n.isTextual()) {
            why = "model is a JSON " + n.getNodeType().name().toLowerCase() + ", not a string";
        } else if (n.textValue().length() > MAX_MODEL_LENGTH) {
            why = "model is longer than " + MAX_MODEL_LENGTH + " characters";
        } else if (TextRules.whyNotStorable(n.textValue()) != null) {
            why = "model " + TextRules.whyNotStorable(n.textValue());
        }
        if (why != null) {
            fixes.add(new ParseOutcome.FieldFix(RejectReason.INVALID_MODEL, why + "; model dropped"));
            return null;
        }
        return n.textValue().isEmpty() ? null : n.textValue();
    }

    /** Longest trace name kept (Langfuse's ingestion schema: {@code name: z.string().max(1000)}, UTF-16 units). */
    public static final int MAX_TRACE_NAME_LENGTH = 1000;

    /** A trace's name, or null; an unusable one is dropped with a reason (the trace is still used). */
    private static String readTraceName(JsonNode n, List<ParseOutcome.FieldFix> fixes) {
        if (n == null || n.isNull()) {
            return null;
        }
        String why = null;
        if (!n.isTextual()) {
            why = "name is a JSON " + n.getNodeType().name().toLowerCase() + ", not a string";
        } else if (n.textValue().length() > MAX_TRACE_NAME_LENGTH) {
            why = "name has " + n.textValue().length() + " characters, more than " + MAX_TRACE_NAME_LENGTH;
        } else if (TextRules.whyNotStorable(n.textValue()) != null) {
            why = "name " + TextRules.whyNotStorable(n.textValue());
        }
        if (why != null) {
            fixes.add(new ParseOutcome.FieldFix(RejectReason.INVALID_TRACE_NAME, why + "; trace name dropped"));
            return null;
        }
        return n.textValue().isEmpty() ? null : n.textValue();
    }

    private static void readUsageAndCost(JsonNode body, IngestionEvent e) throws Reject {
        Map<String, Long> usage = readUsageDetails(body.get("usageDetails"), "body.usageDetails");
        Map<String, BigDecimal> cost = readCostDetails(body.get("costDetails"), "body.costDetails");
        JsonNode legacy = body.get("usage");
        if (legacy != null && !legacy.isNull()) {
            if (!legacy.isObject()) {
                throw new Reject(RejectReason.INVALID_USAGE, "body.usage must be an object");
            }
            // Legacy {input, output, total, inputCost, ...} and OpenAI-style {promptTokens, ...}:
            // used only where usageDetails / costDetails are absent.
            Map<String, Long> legacyUsage = new HashMap<>();
            putUsage(legacyUsage, "input", legacy.get("input"), "body.usage.input");
            putUsage(legacyUsage, "output", legacy.get("output"), "body.usage.output");
            putUsage(legacyUsage, "total", legacy.get("total"), "body.usage.total");
            putUsage(legacyUsage, "input", legacy.get("promptTokens"), "body.usage.promptTokens");
            putUsage(legacyUsage, "output", legacy.get("completionTokens"), "body.usage.completionTokens");
            putUsage(legacyUsage, "total", legacy.get("totalTokens"), "body.usage.totalTokens");
            Map<String, BigDecimal> legacyCost = new HashMap<>();
            putCost(legacyCost, "input", legacy.get("inputCost"), "body.usage.inputCost");
            putCost(legacyCost, "output", legacy.get("outputCost"), "body.usage.outputCost");
            putCost(legacyCost, "total", legacy.get("totalCost"), "body.usage.totalCost");
            if (usage == null && !legacyUsage.isEmpty()) {
                usage = checkUsageSum(legacyUsage, "body.usage");
            }
            if (cost == null && !legacyCost.isEmpty()) {
                cost = legacyCost;
            }
        }
        e.usage = usage;
        e.cost = cost;
    }

    /** Null when absent or empty: an empty object does not overwrite earlier usage. */
    private static Map<String, Long> readUsageDetails(JsonNode node, String field) throws Reject {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new Reject(RejectReason.INVALID_USAGE, field + " must be an object");
        }
        if (node.size() > MAX_DETAIL_KEYS) {
            throw new Reject(RejectReason.INVALID_USAGE, field + " has " + node.size() + " keys, more than " + MAX_DETAIL_KEYS);
        }
        OpenAiUsageForm form = OpenAiUsageForm.of(node);
        if (form != null) {
            return checkUsageSum(openAiUsage(node, form, field), field);
        }
        Map<String, Long> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            putUsage(out, checkKey(f.getKey(), field, RejectReason.INVALID_USAGE), f.getValue(), field + "." + f.getKey());
        }
        return out.isEmpty() ? null : checkUsageSum(out, field);
    }

    /**
     * Langfuse's two OpenAI usage forms (ingestion types.ts, UsageDetails), tried before the plain
     * map as Langfuse does: the Chat Completions API's {prompt_tokens, completion_tokens,
     * total_tokens, prompt_tokens_details, completion_tokens_details} and the Responses API's
     * {input_tokens, output_tokens, total_tokens, input_tokens_details, output_tokens_details}:
     * exactly those keys, the three counts present. The Langfuse OpenAI integration and LangChain's
     * OpenAI model export usage this way; read as a plain map they would count total_tokens as a
     * key of its own and no input or output at all.
     */
    private enum OpenAiUsageForm {
        COMPLETION("prompt_tokens", "completion_tokens"),
        RESPONSE("input_tokens", "output_tokens");

        final String input;
        final String output;
        private final Set<String> keys;

        OpenAiUsageForm(String input, String output) {
            this.input = input;
            this.output = output;
            this.keys = Set.of(input, output, "total_tokens", input + "_details", output + "_details");
        }

        static OpenAiUsageForm of(JsonNode node) {
            for (OpenAiUsageForm form : values()) {
                if (form.matches(node)) {
                    return form;
                }
            }
            return null;
        }

        private boolean matches(JsonNode node) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                if (!keys.contains(it.next())) {
                    return false;
                }
            }
            return node.hasNonNull(input) && node.hasNonNull(output) && node.hasNonNull("total_tokens")
                    && detailsOrAbsent(node.get(input + "_details")) && detailsOrAbsent(node.get(output + "_details"));
        }

        private static boolean detailsOrAbsent(JsonNode details) {
            return details == null || details.isNull() || details.isObject();
        }
    }

    /**
     * As Langfuse converts them: input, output and total from the counts; each non-null detail
     * becomes input_&lt;key&gt; / output_&lt;key&gt; and is subtracted from input / output (not below
     * 0), so that the keys still add up to the tokens used.
     */
    private static Map<String, Long> openAiUsage(JsonNode node, OpenAiUsageForm form, String field) throws Reject {
        Map<String, Long> out = new HashMap<>();
        putUsage(out, "input", node.get(form.input), field + "." + form.input);
        putUsage(out, "output", node.get(form.output), field + "." + form.output);
        putUsage(out, "total", node.get("total_tokens"), field + ".total_tokens");
        addDetails(out, "input", node.get(form.input + "_details"), field + "." + form.input + "_details");
        addDetails(out, "output", node.get(form.output + "_details"), field + "." + form.output + "_details");
        return out;
    }

    private static void addDetails(Map<String, Long> out, String part, JsonNode details, String field) throws Reject {
        if (details == null || details.isNull()) {
            return;
        }
        if (out.size() + details.size() > MAX_DETAIL_KEYS) {
            throw new Reject(RejectReason.INVALID_USAGE, field + ": more than " + MAX_DETAIL_KEYS + " usage keys in all");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = details.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String key = checkKey(part + "_" + f.getKey(), field, RejectReason.INVALID_USAGE);
            putUsage(out, key, f.getValue(), field + "." + f.getKey());
            Long detail = out.get(key);
            if (detail != null) {
                out.put(part, Math.max(out.get(part) - detail, 0));
            }
        }
    }

    private static Map<String, BigDecimal> readCostDetails(JsonNode node, String field) throws Reject {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new Reject(RejectReason.INVALID_COST, field + " must be an object");
        }
        if (node.size() > MAX_DETAIL_KEYS) {
            throw new Reject(RejectReason.INVALID_COST, field + " has " + node.size() + " keys, more than " + MAX_DETAIL_KEYS);
        }
        Map<String, BigDecimal> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            putCost(out, checkKey(f.getKey(), field, RejectReason.INVALID_COST), f.getValue(), field + "." + f.getKey());
        }
        return out.isEmpty() ? null : out;
    }

    private static String checkKey(String key, String field, RejectReason reason) throws Reject {
        String why = TextRules.whyNotStorable(key);
        if (why != null || key.isEmpty() || key.length() > 200) {
            throw new Reject(reason, field + " has an unusable key (" + (why != null ? why : "empty or over 200 chars") + ")");
        }
        return key;
    }

    /** A usage value: a non-negative integer of at most 2^53 ({@link #MAX_USAGE}); null means "not given". */
    private static void putUsage(Map<String, Long> out, String key, JsonNode v, String field) throws Reject {
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber()) {
            throw new Reject(RejectReason.INVALID_USAGE, field + " must be a number, got " + v.getNodeType().name().toLowerCase());
        }
        // Bounded by its text first: 1e10000000 must not be expanded (BoundedNumbers).
        BigDecimal d = v.isIntegralNumber() ? new BigDecimal(v.bigIntegerValue()) : v.decimalValue();
        if (!BoundedNumbers.absBelowPowerOfTen(d, MAX_USAGE_DIGITS)) {
            throw new Reject(RejectReason.INVALID_USAGE, field + " is " + shortNumber(d) + ", larger than 2^53 (" + MAX_USAGE + ")");
        }
        BigInteger n = BoundedNumbers.integerOrNull(d, MAX_USAGE_DIGITS);
        if (n == null) {
            throw new Reject(RejectReason.INVALID_USAGE, field + " must be an integer, got " + shortNumber(d));
        }
        if (n.signum() < 0) {
            throw new Reject(RejectReason.INVALID_USAGE, field + " must not be negative, got " + n);
        }
        if (n.compareTo(MAX_USAGE_BIG) > 0) {
            throw new Reject(RejectReason.INVALID_USAGE, field + " is larger than 2^53 (" + MAX_USAGE + ")");
        }
        out.merge(key, n.longValueExact(), Counts::plus); // two values <= 2^53: never saturates
    }

    /** The values of one usage map must add up to at most 2^53 (see MAX_USAGE). */
    private static Map<String, Long> checkUsageSum(Map<String, Long> usage, String field) throws Reject {
        long sum = 0;
        for (long v : usage.values()) {
            sum += v; // stays below 2^54: checked after every step
            if (sum > MAX_USAGE) {
                throw new Reject(RejectReason.INVALID_USAGE, field + ": the values add up to more than 2^53 (" + MAX_USAGE + ")");
            }
        }
        return usage;
    }

    /** A cost value: a non-negative decimal below MAX_COST with at most MAX_COST_SCALE places. */
    private static void putCost(Map<String, BigDecimal> out, String key, JsonNode v, String field) throws Reject {
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber()) {
            throw new Reject(RejectReason.INVALID_COST, field + " must be a number, got " + v.getNodeType().name().toLowerCase());
        }
        BigDecimal d = v.decimalValue();
        if (d.signum() < 0) {
            throw new Reject(RejectReason.INVALID_COST, field + " must not be negative, got " + shortNumber(d));
        }
        // Bounded by its text before any rescaling: 1e999999 and 1e-999999 are never expanded.
        if (!BoundedNumbers.absBelowPowerOfTen(d, MAX_COST_DIGITS)) {
            throw new Reject(RejectReason.INVALID_COST, field + " is " + shortNumber(d) + ", not below " + MAX_COST.toPlainString());
        }
        BigDecimal canonical = BoundedNumbers.canonicalOrNull(d, MAX_COST_SCALE);
        if (canonical == null) {
            throw new Reject(RejectReason.INVALID_COST, field + " has more than " + MAX_COST_SCALE + " decimal places");
        }
        out.merge(key, canonical, BigDecimal::add);
    }

    private static String requireId(JsonNode obj, String name, int maxLength) throws Reject {
        return requireId(obj, name, maxLength, name);
    }

    static String requireId(JsonNode obj, String name, int maxLength, String field) throws Reject {
        JsonNode n = obj.get(name);
        if (n == null || n.isNull()) {
            throw new Reject(RejectReason.MISSING_FIELD, "missing field: " + field);
        }
        if (!n.isTextual()) {
            throw new Reject(RejectReason.INVALID_FIELD, field + " must be a string, got " + n.getNodeType().name().toLowerCase());
        }
        String s = n.textValue();
        if (s.isEmpty()) {
            throw new Reject(RejectReason.MISSING_FIELD, field + " is empty");
        }
        if (s.length() > maxLength) {
            throw new Reject(RejectReason.INVALID_FIELD, field + " is longer than " + maxLength + " characters");
        }
        String why = TextRules.whyNotStorable(s);
        if (why != null) {
            throw new Reject(RejectReason.INVALID_FIELD, field + " " + why);
        }
        return s;
    }

    private static long requireTimestamp(JsonNode obj, String name) throws Reject {
        Long t = optionalTimestamp(obj, name);
        if (t == null) {
            throw new Reject(RejectReason.MISSING_FIELD, "missing field: " + name);
        }
        return t;
    }

    /** ISO-8601 with Z or an offset, as epoch nanoseconds; null when absent. */
    static Long optionalTimestamp(JsonNode obj, String name) throws Reject {
        JsonNode n = obj.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new Reject(RejectReason.INVALID_TIMESTAMP, name + " must be an ISO-8601 string");
        }
        return Timestamps.parseNanos(n.textValue(), name, (field, why) -> new Reject(RejectReason.INVALID_TIMESTAMP, why));
    }

    private static String storableOrNull(String s) {
        return s == null || TextRules.whyNotStorable(s) != null ? null : TextRules.storablePrefix(s, MAX_ID_LENGTH);
    }

    static String shortNumber(BigDecimal d) {
        String s = d.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return TextRules.storablePrefix(nl >= 0 ? m.substring(0, nl) : m, 300);
    }
}
