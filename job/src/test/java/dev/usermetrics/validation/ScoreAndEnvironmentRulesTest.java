package dev.usermetrics.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.EntityKind;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.ScoreDataType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** score-create bodies, environments and models as the parser reads them. */
class ScoreAndEnvironmentRulesTest {
    private final EventParser parser = new EventParser();

    private ParseOutcome parse(String type, String body) {
        String json = "{\"id\":\"e1\",\"timestamp\":\"2026-01-02T03:04:05Z\",\"type\":\"" + type
                + "\",\"projectId\":\"p1\",\"body\":" + body + "}";
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private IngestionEvent score(String body) {
        ParseOutcome o = parse("score-create", body);
        assertThat(o).as(o.toString()).isInstanceOf(ParseOutcome.Accepted.class);
        return ((ParseOutcome.Accepted) o).event();
    }

    private ParseOutcome.Rejected rejectedScore(String body) {
        ParseOutcome o = parse("score-create", body);
        assertThat(o).as(o.toString()).isInstanceOf(ParseOutcome.Rejected.class);
        return (ParseOutcome.Rejected) o;
    }

    @Test
    void numericScoreWithInferredType() {
        IngestionEvent e = score("{\"id\":\"s1\",\"traceId\":\"t1\",\"observationId\":\"o1\",\"name\":\"quality\","
                + "\"value\":0.125000,\"comment\":\"ok\",\"timestamp\":\"2026-01-01T00:00:00Z\"}");
        assertThat(e.kind).isEqualTo(EntityKind.SCORE);
        assertThat(e.scoreId).isEqualTo("s1");
        assertThat(e.traceId).isEqualTo("t1");
        assertThat(e.observationId).isNull();
        assertThat(e.scoreName).isEqualTo("quality");
        assertThat(e.scoreDataType).isEqualTo(ScoreDataType.NUMERIC);
        assertThat(e.scoreValue).isEqualByComparingTo("0.125").hasToString("0.125");
        assertThat(e.scoreLabel).isNull();
        assertThat(e.bodyTimeNanos).isEqualTo(1_767_225_600L * 1_000_000_000L);
    }

    @Test
    void booleanScoresGetLangfuseLabels() {
        IngestionEvent yes = score("{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"helpful\",\"dataType\":\"BOOLEAN\",\"value\":1.0}");
        assertThat(yes.scoreValue).hasToString("1");
        assertThat(yes.scoreLabel).isEqualTo("True");
        IngestionEvent no = score("{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"helpful\",\"dataType\":\"BOOLEAN\",\"value\":0}");
        assertThat(no.scoreLabel).isEqualTo("False");
    }

    @Test
    void categoricalScoresTakeStringValueOrAStringValue() {
        IngestionEvent a = score("{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"mood\",\"stringValue\":\"happy\"}");
        assertThat(a.scoreDataType).isEqualTo(ScoreDataType.CATEGORICAL);
        assertThat(a.scoreLabel).isEqualTo("happy");
        assertThat(a.scoreValue).isNull();
        IngestionEvent b = score("{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"mood\",\"value\":\"sad\"}");
        assertThat(b.scoreDataType).isEqualTo(ScoreDataType.CATEGORICAL);
        assertThat(b.scoreLabel).isEqualTo("sad");
        IngestionEvent c = score("{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"mood\",\"dataType\":\"CATEGORICAL\",\"value\":3,\"stringValue\":\"three\"}");
        assertThat(c.scoreLabel).isEqualTo("three");
        assertThat(c.scoreValue).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"id\":\"s1\",\"name\":\"q\",\"value\":1}|score_without_trace",
        "{\"id\":\"s1\",\"traceId\":null,\"sessionId\":\"x\",\"name\":\"q\",\"value\":1}|score_without_trace",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"value\":1}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":7,\"value\":1}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\"}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"value\":true}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"dataType\":\"NUMERIC\",\"value\":\"high\"}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"dataType\":\"numeric\",\"value\":1}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"dataType\":\"BOOLEAN\",\"value\":0.5}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"dataType\":\"BOOLEAN\"}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"dataType\":\"CATEGORICAL\",\"value\":2}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"value\":1e999999}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"value\":-1e15}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"value\":1e-21}|invalid_score",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\\u0000\",\"value\":1}|invalid_score",
        "{\"traceId\":\"t1\",\"name\":\"q\",\"value\":1}|missing_field",
        "{\"id\":\"s1\",\"traceId\":\"t1\",\"name\":\"q\",\"value\":1,\"timestamp\":\"yesterday\"}|invalid_timestamp",
    })
    void badScoresAreRejectedWithAReason(String body, String reason) {
        ParseOutcome.Rejected r = rejectedScore(body);
        assertThat(r.reason().code()).isEqualTo(reason);
        assertThat(r.detail()).isNotBlank();
    }

    @Test
    void negativeAndPreciseNumericValuesAreKeptExactly() {
        assertThat(score("{\"id\":\"s\",\"traceId\":\"t\",\"name\":\"q\",\"value\":-999999999999999.12345}").scoreValue)
                .hasToString("-999999999999999.12345");
        assertThat(score("{\"id\":\"s\",\"traceId\":\"t\",\"name\":\"q\",\"value\":1E+3}").scoreValue).hasToString("1000");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"production\"|production|",
        "\"Prod-EU_1\"|prod-eu_1|",
        "\"\"||",
        "null||",
        "\"langfuse-prompt\"|default|invalid_environment",
        "\"has space\"|default|invalid_environment",
        "\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"|default|invalid_environment",
        "\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"|eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee|",
        "42|default|invalid_environment",
        "\"prod/eu\"|default|invalid_environment",
    })
    void environmentsFollowLangfusesRules(String json, String expected, String reason) {
        ParseOutcome o = parse("trace-create", "{\"id\":\"t1\",\"environment\":" + json + "}");
        ParseOutcome.Accepted a = (ParseOutcome.Accepted) o;
        assertThat(a.event().environment).isEqualTo(expected);
        if (reason == null) {
            assertThat(a.fixes()).isEmpty();
        } else {
            assertThat(a.fixes()).extracting(f -> f.reason().code()).containsExactly(reason);
            assertThat(a.fixes().get(0).reason().action()).isEqualTo(RejectReason.Action.ENVIRONMENT_DEFAULTED);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"gpt-4o\"|gpt-4o|",
        "null||",
        "\"\"||",
        "42||invalid_model",
        "{\"name\":\"x\"}||invalid_model",
        "\"bad\\u0000model\"||invalid_model",
    })
    void modelsAreKeptOrDroppedWithAReason(String json, String expected, String reason) {
        ParseOutcome o = parse("generation-create", "{\"id\":\"o1\",\"traceId\":\"t1\",\"model\":" + json + "}");
        ParseOutcome.Accepted a = (ParseOutcome.Accepted) o;
        assertThat(a.event().model).isEqualTo(expected);
        assertThat(a.fixes()).extracting(f -> f.reason().code()).containsExactlyElementsOf(
                reason == null ? java.util.List.of() : java.util.List.of(reason));
    }

    @Test
    void aTooLongModelIsDropped() {
        ParseOutcome.Accepted a = (ParseOutcome.Accepted) parse("generation-create",
                "{\"id\":\"o1\",\"traceId\":\"t1\",\"model\":\"" + "m".repeat(201) + "\"}");
        assertThat(a.event().model).isNull();
        assertThat(a.fixes()).extracting(f -> f.reason()).containsExactly(RejectReason.INVALID_MODEL);
    }

    @Test
    void everyFixOfOneEventIsReported() {
        ParseOutcome.Accepted a = (ParseOutcome.Accepted) parse("generation-create",
                "{\"id\":\"o1\",\"traceId\":\"t1\",\"userId\":5,\"environment\":\"LANGFUSE\",\"model\":[1]}");
        assertThat(a.fixes()).extracting(f -> f.reason()).containsExactly(
                RejectReason.USER_ID_NOT_STRING, RejectReason.INVALID_ENVIRONMENT, RejectReason.INVALID_MODEL);
        assertThat(a.event().userId).isNull();
        assertThat(a.event().environment).isEqualTo("default");
        assertThat(a.event().model).isNull();
    }
}
