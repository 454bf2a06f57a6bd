package dev.usermetrics.otel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * One Kafka record → the OTLP {@link ExportTraceServiceRequest} it holds, with the generated
 * classes of the opentelemetry-proto artifact. OTLP/JSON differs from protobuf's canonical JSON
 * mapping in one respect (the OTLP specification): trace and span ids are hex strings, not
 * base64; they are converted before protobuf's JsonFormat reads the rest (which also takes the
 * 64-bit integers as strings and enums as numbers, as OTLP/JSON writes them).
 */
public final class OtlpDecoder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private OtlpDecoder() {}

    /** Thrown for a record that is not an OTLP trace export in the topic's format. */
    public static final class NotOtlp extends Exception {
        NotOtlp(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static ExportTraceServiceRequest decode(byte[] value, InputFormat format) throws NotOtlp {
        try {
            return switch (format) {
                case OTLP_PROTO -> ExportTraceServiceRequest.parseFrom(value);
                case OTLP_JSON -> fromJson(value);
                case INGESTION_JSON -> throw new IllegalArgumentException("not an OTLP format: " + format);
            };
        } catch (InvalidProtocolBufferException e) {
            throw new NotOtlp("not an OTLP ExportTraceServiceRequest (" + format.code() + "): " + e.getMessage(), e);
        } catch (IOException | IllegalArgumentException e) {
            throw new NotOtlp("not OTLP/JSON: " + e.getMessage(), e);
        }
    }

    private static ExportTraceServiceRequest fromJson(byte[] value) throws IOException {
        JsonNode root = JSON.readTree(value);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the record is not a JSON object");
        }
        for (JsonNode rs : root.path("resourceSpans")) {
            for (JsonNode ss : rs.path("scopeSpans")) {
                for (JsonNode span : ss.path("spans")) {
                    hexToBase64(span, "traceId", "spanId", "parentSpanId");
                    for (JsonNode link : span.path("links")) {
                        hexToBase64(link, "traceId", "spanId");
                    }
                }
            }
        }
        ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
        PARSER.merge(JSON.writeValueAsString(root), b);
        return b.build();
    }

    private static void hexToBase64(JsonNode node, String... fields) {
        if (!(node instanceof ObjectNode o)) {
            return;
        }
        for (String f : fields) {
            JsonNode v = o.get(f);
            if (v != null && v.isTextual()) {
                byte[] bytes;
                try {
                    bytes = HexFormat.of().parseHex(v.asText());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(f + " is not a hex string: " + v.asText());
                }
                o.put(f, Base64.getEncoder().encodeToString(bytes));
            } else if (v instanceof ArrayNode) {
                throw new IllegalArgumentException(f + " must be a hex string");
            }
        }
    }
}
