package com.gluu.kpi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.JobConfig;
import java.util.Map;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;

/** The Flink settings {@link KpiJob#environment} gives the in-process cluster (no MiniCluster started). */
class KpiJobEnvironmentTest {

    @Test
    void theInProcessTaskManagerGetsTheConfiguredManagedMemory() {
        var byDefault = KpiJob.environment(JobConfig.defaults()).getConfiguration();
        var set = KpiJob.environment(JobConfig.defaults().with(Map.of("job.local_managed_memory", "1g")))
                .getConfiguration();

        assertThat(byDefault.get(TaskManagerOptions.MANAGED_MEMORY_SIZE)).isEqualTo(MemorySize.parse("512m"));
        assertThat(set.get(TaskManagerOptions.MANAGED_MEMORY_SIZE)).isEqualTo(MemorySize.ofMebiBytes(1024));
    }
}
