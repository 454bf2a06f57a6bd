package dev.usermetrics.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record of schemas/events/bad-input gets exactly the reason expected.tsv gives. */
class BadInputCorpusTest {
    static final Path CORPUS = Path.of("..", "schemas", "events", "bad-input");
    private final EventParser parser = new EventParser();

    /** file, action, reason, what. */
    static Stream<List<String>> corpus() throws IOException {
        return Files.readAllLines(CORPUS.resolve("expected.tsv")).stream().skip(1).map(l -> List.of(l.split("\t")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void eachKindGetsItsReason(List<String> kind) throws IOException {
        ParseOutcome o = parser.parse(Files.readAllBytes(CORPUS.resolve(kind.get(0))));
        String action = kind.get(1);
        String reason = kind.get(2);
        if (action.equals("rejected")) {
            assertThat(o).as(kind.get(3)).isInstanceOf(ParseOutcome.Rejected.class);
            ParseOutcome.Rejected r = (ParseOutcome.Rejected) o;
            assertThat(r.reason().code()).as(kind.get(3) + ": " + r.detail()).isEqualTo(reason);
            assertThat(r.detail()).isNotBlank();
        } else {
            assertThat(o).as(kind.get(3)).isInstanceOf(ParseOutcome.Accepted.class);
            ParseOutcome.Accepted a = (ParseOutcome.Accepted) o;
            assertThat(a.fixes()).as(kind.get(3)).extracting(f -> f.reason().action().code() + "/" + f.reason().code())
                    .containsExactly(action + "/" + reason);
            assertThat(a.event().userId).isNull(); // no corpus record may count for a user
        }
    }
}
