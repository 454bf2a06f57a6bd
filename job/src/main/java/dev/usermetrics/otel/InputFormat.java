package dev.usermetrics.otel;

import java.util.Arrays;
import java.util.Optional;

/** What the records of a topic are (--input.format): see docs/otel.md. */
public enum InputFormat {
    /** One Langfuse ingestion event per record (JSON; schemas/events). */
    INGESTION_JSON("ingestion-json"),
    /** One OTLP ExportTraceServiceRequest per record, OTLP/JSON (the Collector's otlp_json encoding). */
    OTLP_JSON("otlp-json"),
    /** One OTLP ExportTraceServiceRequest per record, protobuf (the Collector's otlp_proto encoding). */
    OTLP_PROTO("otlp-proto");

    private final String code;

    InputFormat(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public boolean isOtlp() {
        return this != INGESTION_JSON;
    }

    public static Optional<InputFormat> of(String code) {
        return Arrays.stream(values()).filter(f -> f.code.equals(code)).findFirst();
    }
}
