package dev.usermetrics.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.UserCountChange;
import dev.usermetrics.testing.PrivateState;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ProjectUserCounterTest {

    @Test
    void countsUsersPerProjectAndEnvironmentAndFreesStateAtZero() throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ProjectUserCounter()), new Keys.ByProject(), Types.STRING)) {
            h.open();
            for (UserCountChange c : new UserCountChange[] {
                new UserCountChange("p1", null, +1), new UserCountChange("p1", "production", +1),
                new UserCountChange("p1", null, +1), new UserCountChange("p1", "staging", +1),
                new UserCountChange("p2", null, +1), new UserCountChange("p1", "staging", -1),
            }) {
                h.processElement(new StreamRecord<>(c));
            }
            Map<String, Long> latest = new LinkedHashMap<>();
            for (MetricsRow r : h.extractOutputValues()) {
                latest.put(r.projectId + "/" + r.environment, r.userCount);
            }
            assertThat(latest).isEqualTo(Map.of("p1/null", 2L, "p1/production", 1L, "p1/staging", 0L, "p2/null", 1L));
            assertThat(h.extractOutputValues().get(5).isDelete()).isTrue();
            assertThat(PrivateState.keyedEntries(h)).isEqualTo(2); // one map per project; staging left p1's map
        }
    }
}
