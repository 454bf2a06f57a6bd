package dev.usermetrics.localcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocQueriesTest {

    @Test
    void readsNamedSqlBlocksOnly() {
        String md = "# t\n```sql first\nSELECT 1\n```\ntext\n```\nnot sql\n```\n```sql second-one\nSELECT :'a'\n  , 2\n```\n";
        Map<String, String> q = DocQueries.parse(md);
        assertThat(q).containsExactly(Map.entry("first", "SELECT 1"), Map.entry("second-one", "SELECT :'a'\n  , 2"));
    }

    @Test
    void bindsLikePsqlAndLeavesCastsAlone() {
        String sql = "SELECT * FROM t WHERE a = :'x' AND b >= :'from'::timestamptz LIMIT :limit";
        assertThat(DocQueries.bind(sql, Map.of("x", "O'Brien", "from", "2026-01-01T00:00:00Z", "limit", "50")))
                .isEqualTo("SELECT * FROM t WHERE a = 'O''Brien' AND b >= '2026-01-01T00:00:00Z'::timestamptz LIMIT 50");
    }

    @Test
    void refusesMissingOrNonIntegerParameters() {
        assertThatThrownBy(() -> DocQueries.bind("SELECT :'x'", Map.of())).hasMessageContaining(":x");
        assertThatThrownBy(() -> DocQueries.bind("LIMIT :limit", Map.of("limit", "1; DROP TABLE t")))
                .hasMessageContaining("integer");
    }

    @Test
    void theDocumentHasItsQueries() throws Exception {
        Map<String, String> q = DocQueries.read(Path.of("..", "docs", "queries.md"));
        assertThat(q).containsKeys("users-list-by-cost", "user-page", "metrics-traces-by-month", "user-daily-metrics");
    }
}
