package dev.usermetrics.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlinkSettingsTest {

    @Test
    void theConfigYamlLinesReadBackAsTheSameSettings(@TempDir Path dir) throws Exception {
        // bin/up appends these lines to the cluster's config.yaml; Flink must read them as the job sets them.
        Files.writeString(dir.resolve("config.yaml"), FlinkSettings.yaml(3));
        Configuration loaded = GlobalConfiguration.loadConfiguration(dir.toString());
        Configuration expected = FlinkSettings.forSlots(3);
        assertThat(expected.keySet()).hasSize(FlinkSettings.settings(3).size());
        for (FlinkSettings.Setting<?> s : FlinkSettings.settings(3)) {
            assertThat(loaded.get(s.option())).as(s.option().key()).isEqualTo(s.value());
        }
        assertThat(loaded.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(loaded.get(TaskManagerOptions.MANAGED_MEMORY_SIZE)).isEqualTo(MemorySize.parse("1536m"));
    }
}
