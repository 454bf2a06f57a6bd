package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.check.BadInputReplay;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The bad-input corpus (58 kinds) mixed into a generated stream, through the real job with
 * restarts disabled: every kind is rejected or has its field fixed, with its reason recorded and
 * counted, the job finishes without a failure, and the valid events give the batch truth.
 */
class BadInputIT {

    @Test
    void everyKindIsHandledAndTheRestIsExact() throws Exception {
        Scenario s = new Scenario(61, 200);
        BadInputReplay replay = new BadInputReplay(Services.kafkaBootstrap(), Services.postgresUrl(), Services.postgresUser(), "");
        BadInputReplay.Report r = replay.run(Path.of("..", "..", "schemas", "events", "bad-input"), s.lines, "it-bad");
        BadInputReplay.print(r);

        assertThat(r.jobFinished()).as("the job finished with restarts disabled: %s", r.failure()).isTrue();
        assertThat(r.kinds()).hasSizeGreaterThanOrEqualTo(30)
                .allSatisfy(k -> assertThat(k.handled()).as("%s: expected %s/%s, got %s, counted %s",
                        k.file(), k.action(), k.reason(), k.got(), k.counted()).isTrue());
        assertThat(r.restExact()).as(r.difference()).isTrue();
        assertThat(r.handled()).isEqualTo(r.kinds().size());
        // And the valid events are exactly the reference model's truth.
        String mixed = latestSchema("it_bad_mixed_");
        UserMetricsJobIT.assertTablesMatch(s, mixed, false);
    }

    private static String latestSchema(String prefix) throws Exception {
        try (var c = Services.connect(); var st = c.createStatement(); var rs = st.executeQuery(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE '" + prefix + "%' ORDER BY nspname DESC LIMIT 1")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
