package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.PostgresSinks;
import com.gluu.kpi.sinks.SinkOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperator;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;
import org.junit.jupiter.api.Test;

/**
 * Where the key caps sit in the job's graph: one per table, each with a uid and a name, at
 * parallelism 1, and every window operator of the KPI tables reads a cap through its keyBy.
 */
class KeyCapGraphTest {
    private static final Path SAMPLES = Path.of("src/test/resources/samples/events.jsonl");

    @Test
    void everyKpiWindowReadsItsTablesCapWhichHasAUidANameAndParallelismOne() {
        JobConfig config = JobConfig.defaults();
        StreamExecutionEnvironment env = KpiJob.environment(config);
        KpiPipeline.build(env, KpiJob.fileSource(SAMPLES),
                new PostgresSinks(new JdbcSettings("jdbc:postgresql://127.0.0.1:1/none", null, null), SinkOptions.from(config)),
                config);
        StreamGraph graph = env.getStreamGraph(false);

        Map<String, StreamNode> caps = new HashMap<>();
        for (StreamNode node : graph.getStreamNodes()) {
            if (operator(node) instanceof KeyCap) {
                assertThat(node.getTransformationUID()).as(node.getOperatorName()).startsWith("key-cap-");
                assertThat(node.getOperatorName()).endsWith(" key cap");
                assertThat(node.getParallelism()).as(node.getOperatorName()).isEqualTo(1);
                assertThat(caps.put(node.getTransformationUID(), node)).as("one cap per uid").isNull();
            }
        }
        assertThat(caps.keySet()).containsExactlyInAnyOrder("key-cap-latency", "key-cap-traffic", "key-cap-accuracy",
                "key-cap-cost", "key-cap-cost-services", "key-cap-tenant-usage", "key-cap-endpoint-health", "key-cap-slo",
                "key-cap-jobs");
        // kpi.slo (the shipped rules have SLOs): its budget reads the SLO cap through a keyBy
        StreamNode budget = graph.getStreamNodes().stream().filter(n -> "slo-budget".equals(n.getTransformationUID()))
                .findFirst().orElseThrow();
        assertThat(budget.getInEdges()).singleElement()
                .satisfies(e -> assertThat(e.getPartitioner()).isInstanceOf(KeyGroupStreamPartitioner.class));
        StreamNode counts = graph.getStreamNode(budget.getInEdges().get(0).getSourceId());
        assertThat(graph.getStreamNode(counts.getInEdges().get(0).getSourceId()).getTransformationUID())
                .isEqualTo("key-cap-slo");

        Map<String, String> capOfWindows = Map.of("latency", "key-cap-latency", "traffic", "key-cap-traffic",
                "accuracy", "key-cap-accuracy", "cost", "key-cap-tenant-usage", "endpoint-health",
                "key-cap-endpoint-health", "jobs", "key-cap-jobs");
        int windows = 0;
        for (StreamNode node : graph.getStreamNodes()) {
            String uid = node.getTransformationUID();
            if (!(operator(node) instanceof WindowOperator) || uid == null) {
                continue;
            }
            String family = uid.substring(0, uid.lastIndexOf('-'));
            if (!capOfWindows.containsKey(family)) {
                continue;
            }
            windows++;
            List<StreamEdge> in = node.getInEdges();
            assertThat(in).allSatisfy(e -> assertThat(e.getPartitioner()).as(uid).isInstanceOf(KeyGroupStreamPartitioner.class));
            StreamNode source = graph.getStreamNode(in.get(0).getSourceId());
            if (family.equals("cost")) {
                // Capped requests, hosting and tenants merged per slot, and the compute slots (no rows of their own).
                assertThat(in).as(uid).hasSize(2);
                source = in.stream().map(e -> graph.getStreamNode(e.getSourceId()))
                        .filter(n -> n.getOperatorName().equals("cost inputs per slot")).findFirst().orElseThrow();
                assertThat(source.getParallelism()).isEqualTo(1);
                source = graph.getStreamNode(source.getInEdges().get(0).getSourceId());
            } else {
                assertThat(in).as(uid).hasSize(1);
            }
            assertThat(source.getTransformationUID()).as(uid).isEqualTo(capOfWindows.get(family));
            assertThat(node.getOperatorName()).as(uid).isNotBlank();
        }
        assertThat(windows).isEqualTo(2 * capOfWindows.size()); // 1 m and 1 h
        // The cost's second cap reads its first, the tenants' cap the second.
        StreamNode services = caps.get("key-cap-cost-services");
        assertThat(graph.getStreamNode(services.getInEdges().get(0).getSourceId()).getTransformationUID())
                .isEqualTo("key-cap-cost");
        StreamNode tenants = caps.get("key-cap-tenant-usage");
        assertThat(graph.getStreamNode(tenants.getInEdges().get(0).getSourceId()).getTransformationUID())
                .isEqualTo("key-cap-cost-services");
    }

    private static Object operator(StreamNode node) {
        return node.getOperatorFactory() instanceof SimpleOperatorFactory
                ? ((SimpleOperatorFactory<?>) node.getOperatorFactory()).getOperator() : null;
    }
}
