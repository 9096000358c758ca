package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.PostgresSinks;
import com.gluu.kpi.sinks.SinkOptions;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.runtime.partitioner.ForwardPartitioner;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;
import org.junit.jupiter.api.Test;

/**
 * Where dedup runs: at parallelism 1 in the source's task (no shuffle, which would route nothing
 * and only serialize every event between two threads), at any other parallelism behind the
 * shuffle by request that brings all copies of an event to one subtask.
 */
class SourceChainTest {
    private static final Path SAMPLES = Path.of("src/test/resources/samples/events.jsonl");

    private static StreamGraph graph(int parallelism) {
        JobConfig config = JobConfig.defaults().with(Map.of(JobConfig.PARALLELISM.key(), Integer.toString(parallelism)));
        StreamExecutionEnvironment env = KpiJob.environment(config);
        KpiPipeline.build(env, KpiJob.fileSource(SAMPLES, config),
                new PostgresSinks(new JdbcSettings("jdbc:postgresql://127.0.0.1:1/none", null, null), SinkOptions.from(config)),
                config);
        return env.getStreamGraph(false);
    }

    private static StreamNode dedup(StreamGraph graph) {
        return graph.getStreamNodes().stream().filter(n -> "dedup".equals(n.getTransformationUID())).findFirst().orElseThrow();
    }

    /** The name of the task (job vertex, a chain of operators) whose chain names {@code operator}. */
    private static String taskOf(StreamGraph graph, String operator) {
        JobGraph job = graph.getJobGraph();
        String found = null;
        for (JobVertex vertex : job.getVertices()) {
            if (vertex.getName().contains(operator)) {
                assertThat(found).as("one task runs " + operator).isNull();
                found = vertex.getName();
            }
        }
        assertThat(found).as("a task runs " + operator).isNotNull();
        return found;
    }

    @Test
    void atParallelismOneDedupRunsInTheSourcesTask() {
        StreamGraph graph = graph(1);
        assertThat(dedup(graph).getInEdges()).singleElement()
                .satisfies(e -> assertThat(e.getPartitioner()).isInstanceOf(ForwardPartitioner.class));
        assertThat(taskOf(graph, "dedup by event_id")).startsWith("Source: events -> parse + validate")
                .contains("feedback join", "latency partials");
    }

    @Test
    void atParallelismTwoDedupReadsTheShuffleByRequest() {
        StreamGraph graph = graph(2);
        assertThat(dedup(graph).getInEdges()).singleElement()
                .satisfies(e -> assertThat(e.getPartitioner()).isInstanceOf(KeyGroupStreamPartitioner.class));
        assertThat(taskOf(graph, "dedup by event_id")).startsWith("dedup by event_id");
        assertThat(taskOf(graph, "parse + validate")).doesNotContain("dedup by event_id");
    }
}
