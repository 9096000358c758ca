package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.ingest.kinesis.KinesisWatermarks;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.PostgresSinks;
import com.gluu.kpi.sinks.SinkOptions;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchMetricSinks;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.SourceOperatorFactory;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The job graph's operator uids, which are how a savepoint finds each operator's state: every
 * operator that keeps state has an explicit uid (a generated one changes whenever the graph
 * around it does), and the uids are exactly those of {@code src/test/resources/upgrade/operator-uids.txt}
 * — so renaming or removing one, which would orphan that operator's state in every savepoint,
 * fails here first, with what it costs.
 *
 * <p>Every shape of the job: a replay (watermarks after parsing, no CloudWatch), the same read in
 * byte ranges (parallelism above 1: {@code FileOrder} after the source), and the Kinesis job with
 * CloudWatch metrics (watermarks per shard at the source, EMF sinks).
 */
class OperatorUidsTest {
    static final Path UID_LIST = Path.of("src/test/resources/upgrade/operator-uids.txt");
    private static final Path SAMPLES = Path.of("src/test/resources/samples/events.jsonl");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"replay", "replay-in-ranges", "kinesis with cloudwatch"})
    void everyStatefulOperatorHasAnExplicitUidAndTheUidsAreTheCommittedList(String shape) throws Exception {
        StreamGraph graph = graph(shape);
        List<String> withoutUid = new ArrayList<>();
        TreeSet<String> uids = new TreeSet<>();
        for (StreamNode node : graph.getStreamNodes()) {
            String uid = node.getTransformationUID();
            if (uid != null) {
                assertThat(uids.add(uid)).as("uid %s used twice", uid).isTrue();
            } else if (keepsState(node)) {
                withoutUid.add(node.getOperatorName());
            }
        }
        assertThat(withoutUid).as("operators that keep state but have no .uid(): their state would not survive"
                + " the next change of the graph around them").isEmpty();

        TreeSet<String> committed = committedUids(shape);
        assertThat(uids).as("""
                the operator uids of the %s job differ from %s. A savepoint finds each operator's state \
                by its uid: an operator whose uid changed or went restores nothing from a savepoint of the \
                previous build (the restore fails, or drops that state silently with \
                --allowNonRestoredState). Keep the old uid; if the state is meant to go, update the list \
                and say in the release notes which state a savepoint of the previous build loses.""",
                shape, UID_LIST).containsExactlyElementsOf(committed);
    }

    /** The list's uids for a shape: a line is {@code uid} (both shapes) or {@code uid  kinesis} / {@code uid  replay}. */
    private static TreeSet<String> committedUids(String shape) throws Exception {
        TreeSet<String> uids = new TreeSet<>();
        for (String line : Files.readAllLines(UID_LIST, StandardCharsets.UTF_8)) {
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] parts = text.split("\\s+");
            if (parts.length == 1 || shape.startsWith(parts[1])) {
                uids.add(parts[0]);
            }
        }
        return uids;
    }

    static StreamGraph graph(boolean kinesis) {
        return graph(kinesis ? "kinesis" : "replay");
    }

    static StreamGraph graph(String shape) {
        boolean kinesis = shape.startsWith("kinesis");
        boolean inRanges = shape.equals("replay-in-ranges");
        JobConfig config = inRanges ? JobConfig.defaults().with(Map.of(JobConfig.SOURCE_RANGE_BYTES.key(), "1m"))
                : JobConfig.defaults();
        StreamExecutionEnvironment env = KpiJob.environment(config);
        JdbcSettings nowhere = new JdbcSettings("jdbc:postgresql://127.0.0.1:1/none", null, null);
        PostgresSinks sinks = kinesis
                ? new PostgresSinks(nowhere, SinkOptions.from(config), new CloudWatchMetricSinks(
                        new CloudWatchSettings("kpi-logs", "us-east-1", "http://127.0.0.1:1"), "gluu-kpi"))
                : new PostgresSinks(nowhere, SinkOptions.from(config));
        // The graph does not depend on where records come from, only on where watermarks are made.
        assertThat(KpiJob.readsInRanges(config)).isEqualTo(inRanges);
        KpiPipeline.build(env, inRanges ? KpiJob.replaySource(SAMPLES, config) : KpiJob.fileSource(SAMPLES),
                kinesis ? KinesisWatermarks.perShard(config) : null, inRanges, sinks.withAlertDelivery(), config);
        return env.getStreamGraph(false);
    }

    /**
     * Keyed operators, sources and sink writers, our operators that checkpoint something of their
     * own (they override {@code initializeState} or {@code snapshotState}), and functions that do.
     */
    static boolean keepsState(StreamNode node) {
        if (node.getStateKeySerializer() != null) {
            return true;
        }
        Object factory = node.getOperatorFactory();
        if (factory instanceof SourceOperatorFactory || factory instanceof SinkWriterOperatorFactory) {
            return true;
        }
        if (!(factory instanceof SimpleOperatorFactory<?> simple)) {
            return true; // an operator kind this test does not know: it had better have a uid
        }
        Object operator = simple.getOperator();
        if (operator instanceof AbstractUdfStreamOperator<?, ?> udf) {
            return udf.getUserFunction() instanceof CheckpointedFunction;
        }
        return operator instanceof AbstractStreamOperator<?> && (overrides(operator, "initializeState",
                StateInitializationContext.class) || overrides(operator, "snapshotState", StateSnapshotContext.class));
    }

    private static boolean overrides(Object operator, String method, Class<?> parameter) {
        for (Class<?> c = operator.getClass(); c != AbstractStreamOperator.class; c = c.getSuperclass()) {
            try {
                c.getDeclaredMethod(method, parameter);
                return true;
            } catch (NoSuchMethodException e) {
                // not here: the superclass
            }
        }
        return false;
    }
}
