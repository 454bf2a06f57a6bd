package dev.usermetrics.bench;

import dev.usermetrics.otel.InputFormat;
import dev.usermetrics.otel.OtlpDecoder;
import dev.usermetrics.otel.SpanMapper;
import dev.usermetrics.validation.EventParser;
import dev.usermetrics.validation.ParseOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cost of OTLP input, side by side in one JVM: the same events parsed as ingestion-json
 * records (the baseline), as OTLP/JSON exports (decode + map + parse) and as OTLP/protobuf
 * exports. One thread, no Kafka: what the parse stage does per record. Prints events/s of each
 * and the ratios to the baseline (bench-otlp).
 */
public final class OtlpParseRate {
    private OtlpParseRate() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args.length > 0 ? args[0] : "job/src/test/resources/otel/js-sdk-5.11.1-export.json");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        byte[] json = Files.readAllBytes(file);
        byte[] proto = OtlpDecoder.decode(json, InputFormat.OTLP_JSON).toByteArray();
        SpanMapper mapper = new SpanMapper("langfuse.project.id", "bench");
        List<byte[]> ingestion = new ArrayList<>();
        for (SpanMapper.Result r : mapper.map(OtlpDecoder.decode(json, InputFormat.OTLP_JSON), 0)) {
            ingestion.add(SpanMapper.bytes(((SpanMapper.Event) r).json()));
        }
        EventParser parser = new EventParser();
        int exports = 20_000;
        long events = (long) exports * ingestion.size();
        System.out.printf("one export: %d bytes OTLP/JSON, %d bytes OTLP/protobuf, %d events%n",
                json.length, proto.length, ingestion.size());
        double[] best = new double[3];
        for (int round = 0; round <= rounds; round++) { // round 0 warms up
            double[] rate = new double[3];
            long t = System.nanoTime();
            long n = 0;
            for (int i = 0; i < exports; i++) {
                for (byte[] e : ingestion) {
                    n += parser.parse(e) instanceof ParseOutcome.Accepted ? 1 : 0;
                }
            }
            rate[0] = n / ((System.nanoTime() - t) / 1e9);
            rate[1] = viaOtlp(json, InputFormat.OTLP_JSON, exports, mapper, parser);
            rate[2] = viaOtlp(proto, InputFormat.OTLP_PROTO, exports, mapper, parser);
            if (n != events) {
                throw new IllegalStateException("not every event was accepted");
            }
            if (round > 0) {
                for (int k = 0; k < 3; k++) {
                    best[k] = Math.max(best[k], rate[k]);
                }
            }
        }
        System.out.printf("ingestion-json  %,12.0f events/s%n", best[0]);
        System.out.printf("otlp-json       %,12.0f events/s  (%.2f of ingestion-json)%n", best[1], best[1] / best[0]);
        System.out.printf("otlp-proto      %,12.0f events/s  (%.2f of ingestion-json)%n", best[2], best[2] / best[0]);
        System.out.printf("summary: otlp_json/ingestion=%.2f otlp_proto/ingestion=%.2f (best of %d rounds)%n",
                best[1] / best[0], best[2] / best[0], rounds);
    }

    private static double viaOtlp(byte[] record, InputFormat format, int exports, SpanMapper mapper, EventParser parser)
            throws Exception {
        long t = System.nanoTime();
        long n = 0;
        for (int i = 0; i < exports; i++) {
            for (SpanMapper.Result r : mapper.map(OtlpDecoder.decode(record, format), i)) {
                n += parser.parse(SpanMapper.bytes(((SpanMapper.Event) r).json())) instanceof ParseOutcome.Accepted ? 1 : 0;
            }
        }
        return n / ((System.nanoTime() - t) / 1e9);
    }
}
