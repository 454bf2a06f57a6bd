package dev.usermetrics.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SchemaMigratorTest {
    /** LATEST_VERSION is the newest DDL file, and the versions have no gap. */
    @Test
    void latestVersionIsTheNewestFile() throws Exception {
        try (var files = Files.list(Path.of("..", "schemas", "postgres"))) {
            var versions = files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .map(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).sorted().toList();
            assertThat(versions).hasSize(SchemaMigrator.LATEST_VERSION);
            assertThat(versions.get(versions.size() - 1)).isEqualTo(SchemaMigrator.LATEST_VERSION);
        }
    }
}
