package dev.usermetrics.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract in schemas/events (JSON Schema + examples) and the job's parser must agree on
 * every example: valid ones pass both, invalid ones fail both, and the userId examples are
 * outside the schema while the parser keeps the event and drops only the userId.
 */
class EventContractTest {
    private static final Path EXAMPLES = Path.of("..", "schemas", "events", "examples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema SCHEMA;

    static {
        try {
            JsonNode schemaNode = JSON.readTree(Path.of("..", "schemas", "events", "ingestion-event.schema.json").toFile());
            SCHEMA = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schemaNode);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final EventParser parser = new EventParser();

    static Stream<Path> valid() throws IOException {
        return files("valid");
    }

    static Stream<Path> invalid() throws IOException {
        return files("invalid");
    }

    static Stream<Path> fieldFixed() throws IOException {
        return files("field-fixed");
    }

    static Stream<Path> userIdDropped() throws IOException {
        return files("user-id-dropped");
    }

    private static Stream<Path> files(String dir) throws IOException {
        List<Path> list;
        try (Stream<Path> s = Files.list(EXAMPLES.resolve(dir))) {
            list = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(list).isNotEmpty();
        return list.stream();
    }

    private static Set<ValidationMessage> schemaErrors(Path file) throws IOException {
        return SCHEMA.validate(JSON.readTree(file.toFile()));
    }

    @ParameterizedTest
    @MethodSource("valid")
    void validExamplesPassSchemaAndParser(Path file) throws IOException {
        assertThat(schemaErrors(file)).isEmpty();
        ParseOutcome o = parser.parse(Files.readAllBytes(file));
        assertThat(o).isInstanceOfAny(ParseOutcome.Accepted.class, ParseOutcome.Skipped.class);
        if (o instanceof ParseOutcome.Accepted a) {
            assertThat(a.fixes()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidExamplesFailSchemaAndParser(Path file) throws IOException {
        assertThat(schemaErrors(file)).isNotEmpty();
        assertThat(parser.parse(Files.readAllBytes(file))).isInstanceOf(ParseOutcome.Rejected.class);
    }

    @ParameterizedTest
    @MethodSource("userIdDropped")
    void invalidUserIdsFailSchemaButOnlyTheUserIdIsDropped(Path file) throws IOException {
        assertThat(schemaErrors(file)).isNotEmpty();
        ParseOutcome o = parser.parse(Files.readAllBytes(file));
        assertThat(o).isInstanceOf(ParseOutcome.Accepted.class);
        ParseOutcome.Accepted a = (ParseOutcome.Accepted) o;
        assertThat(a.fixes()).extracting(f -> f.reason().action()).containsExactly(RejectReason.Action.USER_ID_DROPPED);
        assertThat(a.event().userId).isNull();
    }

    @ParameterizedTest
    @MethodSource("fieldFixed")
    void invalidEnvironmentsAndModelsFailSchemaButTheEventIsApplied(Path file) throws IOException {
        assertThat(schemaErrors(file)).isNotEmpty();
        ParseOutcome o = parser.parse(Files.readAllBytes(file));
        assertThat(o).isInstanceOf(ParseOutcome.Accepted.class);
        ParseOutcome.Accepted a = (ParseOutcome.Accepted) o;
        assertThat(a.fixes()).extracting(f -> f.reason().action())
                .containsAnyOf(RejectReason.Action.ENVIRONMENT_DEFAULTED, RejectReason.Action.MODEL_DROPPED);
    }
}
