package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.otel.InputFormat;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.RawRecord;
import dev.usermetrics.records.RejectedEvent;
import dev.usermetrics.validation.ProjectPins;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** The parse stage on Flink's operator harness: what it emits and what it sends to rejected_events. */
class ParseAndValidateTest {

    private static RawRecord record(String topic, long offset, String projectId, String eventId, String userId) {
        String json = "{\"id\":\"" + eventId + "\",\"timestamp\":\"2026-11-20T10:00:00.000Z\",\"type\":\"trace-create\","
                + "\"projectId\":\"" + projectId + "\",\"body\":{\"id\":\"t-" + eventId + "\",\"userId\":" + userId + "}}";
        return new RawRecord(json.getBytes(StandardCharsets.UTF_8), topic, 0, offset);
    }

    private static OneInputStreamOperatorTestHarness<RawRecord, IngestionEvent> harness(ProjectPins pins) throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(new ParseAndValidate(Map.of(), InputFormat.INGESTION_JSON,
                ParseAndValidate.DEFAULT_PROJECT_ATTRIBUTE, null, pins));
    }

    @Test
    void aPinnedTopicCarriesOnlyItsProjectsAndEverythingElseIsRejectedWithAReason() throws Exception {
        ProjectPins pins = ProjectPins.parse("tenant-a=proj-a", List.of("tenant-a", "shared"));
        try (var h = harness(pins)) {
            h.processElement(new StreamRecord<>(record("tenant-a", 1, "proj-a", "e1", "\"u1\"")));
            // Another project on the pinned topic: rejected, even with a field that would only be dropped.
            h.processElement(new StreamRecord<>(record("tenant-a", 2, "proj-b", "e2", "42")));
            // An unpinned topic may carry any project.
            h.processElement(new StreamRecord<>(record("shared", 3, "proj-b", "e3", "\"u3\"")));

            assertThat(h.extractOutputValues()).extracting(e -> e.eventId).containsExactly("e1", "e3");
            var rejected = h.getSideOutput(ParseAndValidate.REJECTED);
            assertThat(rejected).hasSize(1); // the rejection only, not the user_id_not_string fix
            RejectedEvent r = rejected.iterator().next().getValue();
            assertThat(r.reason).isEqualTo("project_not_allowed");
            assertThat(r.action).isEqualTo("rejected");
            assertThat(r.eventId).isEqualTo("e2");
            assertThat(r.projectId).isEqualTo("proj-b");
            assertThat(r.topic).isEqualTo("tenant-a");
            assertThat(r.offset).isEqualTo(2);
            assertThat(r.detail).isEqualTo("topic tenant-a may carry only project(s) proj-a (--input.projects)");
        }
    }

    @Test
    void rejectedEventsKeepTheConfiguredPrefixOfTheRecord() throws Exception {
        byte[] record = "not json: \u00e9\u4e00 and more".getBytes(StandardCharsets.UTF_8);
        for (int chars : new int[] {0, 12, 2000}) {
            try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new ParseAndValidate().keepRawChars(chars))) {
                h.processElement(new StreamRecord<>(new RawRecord(record, "t", 0, 7)));
                RejectedEvent r = h.getSideOutput(ParseAndValidate.REJECTED).iterator().next().getValue();
                assertThat(r.reason).isEqualTo("not_json");
                assertThat(r.raw).isEqualTo(switch (chars) {
                    case 0 -> null;
                    case 12 -> "not json: \u00e9\u4e00";
                    default -> "not json: \u00e9\u4e00 and more";
                });
            }
        }
    }

    @Test
    void withoutPinsEveryProjectIsAccepted() throws Exception {
        try (var h = harness(ProjectPins.NONE)) {
            h.processElement(new StreamRecord<>(record("any", 1, "p1", "e1", "\"u1\"")));
            h.processElement(new StreamRecord<>(record("any", 2, "p2", "e2", "\"u2\"")));
            assertThat(h.extractOutputValues()).extracting(e -> e.projectId).containsExactly("p1", "p2");
            assertThat(h.getSideOutput(ParseAndValidate.REJECTED)).isNull();
        }
    }

    /** An OTLP record over its limit is rejected before it is decoded; a large one under it is decoded. */
    @Test
    void anOtlpRecordOverItsLimitIsRejectedBeforeDecoding() throws Exception {
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new ParseAndValidate(Map.of(), InputFormat.OTLP_JSON,
                ParseAndValidate.DEFAULT_PROJECT_ATTRIBUTE, null, ProjectPins.parse("", List.of())))) {
            for (int size : new int[] {dev.usermetrics.validation.EventParser.MAX_OTLP_RECORD_BYTES + 1, 1024 * 1024}) {
                String body = "{\"resourceSpans\":[]" + " ".repeat(size - 20) + "}";
                h.processElement(new StreamRecord<>(new RawRecord(body.getBytes(StandardCharsets.UTF_8), "otlp", 0, size)));
            }
            h.processElement(new StreamRecord<>(new RawRecord(null, "otlp", 0, 3))); // a tombstone
            var rejected = new java.util.ArrayList<>(h.getSideOutput(ParseAndValidate.REJECTED));
            assertThat(rejected).hasSize(2);
            RejectedEvent r = rejected.get(0).getValue();
            assertThat(r.reason).isEqualTo("record_too_large");
            assertThat(r.detail).startsWith("OTLP record has " + (dev.usermetrics.validation.EventParser.MAX_OTLP_RECORD_BYTES + 1) + " bytes");
            assertThat(rejected.get(1).getValue().reason).isEqualTo("empty_record");
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }
}
