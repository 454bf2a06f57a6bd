package dev.usermetrics.functions;

import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.otel.InputFormat;
import dev.usermetrics.otel.OtlpDecoder;
import dev.usermetrics.otel.SpanMapper;
import dev.usermetrics.records.RawRecord;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.HashMap;
import dev.usermetrics.records.RejectedEvent;
import dev.usermetrics.validation.EventParser;
import dev.usermetrics.validation.ParseOutcome;
import dev.usermetrics.validation.ProjectPins;
import dev.usermetrics.validation.RejectReason;
import dev.usermetrics.validation.TextRules;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses each Kafka record into an event. Bad records and dropped or replaced fields go to the
 * {@link #REJECTED} side output (→ rejected_events) with a reason, a per-reason counter and a
 * rate-limited WARN; nothing here throws on input. Stateless.
 */
public class ParseAndValidate extends ProcessFunction<RawRecord, IngestionEvent> {
    /** Default of --otlp.project-attribute. */
    public static final String DEFAULT_PROJECT_ATTRIBUTE = "langfuse.project.id";
    private static final Logger LOG = LoggerFactory.getLogger(ParseAndValidate.class);

    public static final OutputTag<RejectedEvent> REJECTED = new OutputTag<>("rejected-events") {};
    /** Default of --rejected.raw-chars: rejected_events.raw keeps at most this many characters of the record. */
    public static final int DEFAULT_RAW_CHARS = 2000;

    private final Map<String, InputFormat> formats;
    private final InputFormat defaultFormat;
    private final String projectAttribute;
    private final String defaultProject;
    private final ProjectPins pins;
    private int rawChars = DEFAULT_RAW_CHARS;
    private transient EventParser parser;
    private transient SpanMapper spans;
    private transient Map<RejectReason, Counter> reasonCounters;
    private transient Counter accepted;
    private transient Counter skipped;
    private transient RateLimitedLog warnings;
    /** Progress lines: at most one per PROGRESS_INTERVAL_MS per subtask, only while records arrive. */
    static final long PROGRESS_INTERVAL_MS = 60_000;
    private transient long progressSince;
    private transient long progressRecords;
    private transient long progressRejected;
    private transient RawRecord lastRecord;
    /** Accumulators: the end-of-run summary of a bounded run. */
    private transient LongCounter recordsTotal;
    private transient Map<RejectReason, LongCounter> reasonTotals;

    /** Every topic carries ingestion events. */
    public ParseAndValidate() {
        this(Map.of(), InputFormat.INGESTION_JSON, DEFAULT_PROJECT_ATTRIBUTE, null, ProjectPins.NONE);
    }

    /**
     * @param formats          topic → its format; topics not listed have {@code defaultFormat}
     * @param projectAttribute the OTLP resource attribute naming the project
     * @param defaultProject   the project of OTLP resources without it (null: rejected)
     * @param pins             the projects each topic may carry (others: rejected, project_not_allowed)
     */
    public ParseAndValidate(Map<String, InputFormat> formats, InputFormat defaultFormat, String projectAttribute,
            String defaultProject, ProjectPins pins) {
        this.formats = new HashMap<>(formats);
        this.defaultFormat = defaultFormat;
        this.projectAttribute = projectAttribute;
        this.defaultProject = defaultProject;
        this.pins = pins;
    }

    /** Keeps this many characters of each rejected record in rejected_events.raw (0: none). */
    public ParseAndValidate keepRawChars(int chars) {
        this.rawChars = chars;
        return this;
    }

    @Override
    public void open(OpenContext ctx) {
        parser = new EventParser();
        spans = new SpanMapper(projectAttribute, defaultProject);
        var group = getRuntimeContext().getMetricGroup();
        accepted = group.counter("eventsAccepted");
        skipped = group.counter("eventsSkipped");
        reasonCounters = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            // One counter per reason: <operator>.rejected.<reason>.count (REST, web UI); for
            // Prometheus one metric ..._operator_rejected_count with the reason as label "rejected".
            reasonCounters.put(r, group.addGroup("rejected", r.code()).counter("count"));
        }
        warnings = new RateLimitedLog(LOG, 20, 60_000, System::currentTimeMillis);
        recordsTotal = getRuntimeContext().getLongCounter("records read");
        reasonTotals = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            reasonTotals.put(r, getRuntimeContext().getLongCounter(r.action().code() + ": " + r.code()));
        }
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<IngestionEvent> out) {
        recordsTotal.add(1);
        lastRecord = record;
        logProgress();
        InputFormat format = formats.getOrDefault(record.topic, defaultFormat);
        if (!format.isOtlp()) {
            handle(parser.parse(record.value), record, record.value, ctx, out);
            return;
        }
        if (record.value == null || record.value.length == 0) {
            report(ctx, record, new byte[0], RejectReason.EMPTY_RECORD, "empty record (a tombstone?)", null, null);
            return;
        }
        if (record.value.length > EventParser.MAX_OTLP_RECORD_BYTES) {
            report(ctx, record, record.value, RejectReason.RECORD_TOO_LARGE, "OTLP record has " + record.value.length
                    + " bytes, more than " + EventParser.MAX_OTLP_RECORD_BYTES, null, null);
            return;
        }
        ExportTraceServiceRequest request;
        try {
            request = OtlpDecoder.decode(record.value, format);
        } catch (OtlpDecoder.NotOtlp e) {
            report(ctx, record, record.value, RejectReason.NOT_OTLP, e.getMessage(), null, null);
            return;
        }
        // Each span becomes ingestion events that pass the same parser and rules.
        for (SpanMapper.Result r : spans.map(request, record.timestampMillis)) {
            if (r instanceof SpanMapper.Event ev) {
                byte[] json = SpanMapper.bytes(ev.json());
                handle(parser.parse(json), record, json, ctx, out);
            } else if (r instanceof SpanMapper.Rejected rej) {
                report(ctx, record, record.value, rej.reason(), rej.detail(), rej.eventId(), rej.projectId());
            }
        }
    }

    /** raw: what rejected_events shows of the event (the record, or the event mapped from a span). */
    private void handle(ParseOutcome outcome, RawRecord record, byte[] raw, Context ctx, Collector<IngestionEvent> out) {
        if (outcome instanceof ParseOutcome.Accepted a) {
            String project = a.event().projectId;
            if (!pins.allows(record.topic, project)) {
                // Judged before its fields' fixes: nothing of the event is used.
                report(ctx, record, raw, RejectReason.PROJECT_NOT_ALLOWED, "topic " + record.topic + " may carry only project(s) "
                        + pins.describe(record.topic) + " (--input.projects)", a.event().eventId, project);
                return;
            }
            for (ParseOutcome.FieldFix f : a.fixes()) {
                report(ctx, record, raw, f.reason(), f.detail(), a.event().eventId, a.event().projectId);
            }
            accepted.inc();
            out.collect(a.event());
        } else if (outcome instanceof ParseOutcome.Skipped sk) {
            for (ParseOutcome.FieldFix f : sk.fixes()) {
                report(ctx, record, raw, f.reason(), f.detail(), sk.eventId(), sk.projectId());
            }
            skipped.inc();
        } else if (outcome instanceof ParseOutcome.Rejected r) {
            report(ctx, record, raw, r.reason(), r.detail(), r.eventId(), r.projectId());
        }
    }

    private void logProgress() {
        progressRecords++;
        long now = System.currentTimeMillis();
        if (progressSince == 0) {
            progressSince = now;
        } else if (now - progressSince >= PROGRESS_INTERVAL_MS) {
            LOG.info("subtask {}: {} records in the last {} s ({}/s), {} rejected or with a field dropped; last offset {}",
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), progressRecords,
                    (now - progressSince) / 1000, progressRecords * 1000 / (now - progressSince), progressRejected,
                    lastRecord.topic + "-" + lastRecord.partition + "@" + lastRecord.offset);
            progressSince = now;
            progressRecords = 0;
            progressRejected = 0;
        }
    }

    private void report(Context ctx, RawRecord record, byte[] raw, RejectReason reason, String detail, String eventId,
            String projectId) {
        reasonCounters.get(reason).inc();
        reasonTotals.get(reason).add(1);
        progressRejected++;
        String action = reason.action().code();
        warnings.warn("{} event {} (project {}, {}-{}@{}): {}: {}", action, eventId, projectId,
                record.topic, record.partition, record.offset, reason.code(), detail);
        RejectedEvent rej = new RejectedEvent();
        rej.eventId = eventId;
        rej.projectId = projectId;
        rej.reason = reason.code();
        rej.detail = detail;
        rej.action = action;
        rej.raw = rawPrefix(raw, rawChars);
        rej.topic = record.topic;
        rej.partition = record.partition;
        rej.offset = record.offset;
        ctx.output(REJECTED, rej);
    }

    static String rawPrefix(byte[] value, int chars) {
        if (value == null || chars == 0) {
            return null;
        }
        int n = Math.min(value.length, chars * 4);
        // Invalid UTF-8 decodes to U+FFFD; NUL and lone surrogates are made storable.
        return TextRules.storablePrefix(new String(value, 0, n, StandardCharsets.UTF_8), chars);
    }
}
