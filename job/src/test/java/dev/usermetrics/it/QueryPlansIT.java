package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.localcluster.DocQueries;
import dev.usermetrics.localcluster.QueryBench;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every page query of docs/queries.md, on the read-side benchmark's data at a representative size
 * (200,000 users, a tenth of them with 30 days of buckets), planned as a reader bound to its
 * project (row-level security in the plan, V9) with its tenant set: no plan may read a metric
 * table with a sequential scan. Not timed — the plan is what
 * a view change silently undid once (users_list scoped per UNION branch: 244 ms at a million users
 * instead of under 1 ms), and the plan does not depend on the machine.
 */
class QueryPlansIT {
    private static final String SCHEMA = "it_query_plans";
    private static final int USERS = 200_000;
    private static final double SHARE = 0.1;

    @Test
    void everyPageQueryReadsThroughItsIndexes() throws Exception {
        Map<String, String> queries = DocQueries.read(Path.of("..", "docs", "queries.md"));
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            QueryBench.on(c, SCHEMA).load(Path.of("..", "schemas", "postgres"), USERS, SHARE);
            s.execute("SET search_path TO " + SCHEMA);
            QueryBench.actAsReader(s, SCHEMA); // a reader bound to the project: row-level security in every plan
            Random rnd = new Random(5);
            int pages = 0;
            for (QueryBench.Case k : QueryBench.cases(queries, USERS, SHARE, 1)) {
                if (!k.page()) {
                    continue;
                }
                pages++;
                String sql = DocQueries.bind(queries.get(k.query()), k.params().apply(rnd));
                assertThat(QueryBench.sequentialScans(QueryBench.plan(s, sql)))
                        .as("metric tables read by a sequential scan in the plan of %s", k.label())
                        .isEmpty();
            }
            assertThat(pages).isGreaterThanOrEqualTo(17);
            s.execute("RESET ROLE");
            s.execute("DROP SCHEMA " + SCHEMA + " CASCADE");
        }
    }
}
