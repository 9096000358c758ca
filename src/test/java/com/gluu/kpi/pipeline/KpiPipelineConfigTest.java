package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.ConfigException;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.PostgresSinks;
import com.gluu.kpi.sinks.SinkOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** Settings the dataflow refuses when it is built, before anything runs. */
class KpiPipelineConfigTest {
    private static final Path SAMPLES = Path.of("src/test/resources/samples/events.jsonl");

    @Test
    void alertRulesNeedWindowSizesWithOneMinuteAsTheirGreatestCommonDivisor() {
        JobConfig fiveMinuteSlots = JobConfig.defaults().with(Map.of(JobConfig.WINDOWS.key(), List.of("5m", "1h")));
        assertThatThrownBy(() -> build(fiveMinuteSlots))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("windows:")
                .hasMessageContaining("[5m, 1h]");
    }

    @Test
    void theDefaultWindowsBuild() {
        assertThatCode(() -> build(JobConfig.defaults())).doesNotThrowAnyException();
    }

    private static void build(JobConfig config) {
        StreamExecutionEnvironment env = KpiJob.environment(config);
        KpiPipeline.build(env, KpiJob.fileSource(SAMPLES),
                new PostgresSinks(new JdbcSettings("jdbc:postgresql://127.0.0.1:1/none", null, null), SinkOptions.from(config)),
                config);
    }
}
