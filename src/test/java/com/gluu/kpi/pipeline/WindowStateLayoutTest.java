package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.api.java.typeutils.runtime.TupleSerializerBase;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperator;
import org.junit.jupiter.api.Test;

/**
 * The state of every KPI window operator in the job graph, as a savepoint holds it: the key's
 * serializer, the window contents' kind and serializer, plus the window size and allowed lateness
 * that decide when that state is dropped. A savepoint of the previous build restores only if all
 * of these stay as they are, so a refactoring of how the windows are built must keep this list.
 *
 * <p>The expected list is written out from the families' design (SPEC §4 keys, the aggregates'
 * accumulators, cost's whole-window list), with the default config: windows 1m and 1h, allowed
 * lateness 5 min, accuracy's 10 min feedback wait + 2 × 5 min.
 */
class WindowStateLayoutTest {

    @Test
    void everyKpiWindowKeepsTheKeyAndContentsASavepointOfThePreviousBuildHolds() {
        List<String> layouts = new ArrayList<>();
        for (StreamNode node : OperatorUidsTest.graph(false).getStreamNodes()) {
            if (node.getOperatorFactory() instanceof SimpleOperatorFactory<?> factory
                    && factory.getOperator() instanceof WindowOperator<?, ?, ?, ?, ?> window) {
                layouts.add(layout(node, window));
            }
        }
        assertThat(layouts).containsExactlyInAnyOrder(
                "accuracy-1m key (String, String), AGGREGATING window-contents AccuracyCounts,"
                        + " TumblingEventTimeWindows(60000), lateness 1200000",
                "accuracy-1h key (String, String), AGGREGATING window-contents AccuracyCounts,"
                        + " TumblingEventTimeWindows(3600000), lateness 1200000",
                "cost-1m key String, LIST window-contents CostInput, TumblingEventTimeWindows(60000), lateness 300000",
                "cost-1h key String, LIST window-contents CostInput, TumblingEventTimeWindows(3600000), lateness 300000",
                "endpoint-health-1m key String, AGGREGATING window-contents EndpointHealthCounts,"
                        + " TumblingEventTimeWindows(60000), lateness 300000",
                "endpoint-health-1h key String, AGGREGATING window-contents EndpointHealthCounts,"
                        + " TumblingEventTimeWindows(3600000), lateness 300000",
                "latency-1m key (String, String, String), AGGREGATING window-contents LatencyAccumulatorSerializer,"
                        + " TumblingEventTimeWindows(60000), lateness 300000",
                "latency-1h key (String, String, String), AGGREGATING window-contents LatencyAccumulatorSerializer,"
                        + " TumblingEventTimeWindows(3600000), lateness 300000",
                "traffic-1m key (String, String, String, String), AGGREGATING window-contents TrafficCounts,"
                        + " TumblingEventTimeWindows(60000), lateness 300000",
                "traffic-1h key (String, String, String, String), AGGREGATING window-contents TrafficCounts,"
                        + " TumblingEventTimeWindows(3600000), lateness 300000",
                "jobs-1m key (String, String), AGGREGATING window-contents JobsAccumulatorSerializer,"
                        + " TumblingEventTimeWindows(60000), lateness 300000",
                "jobs-1h key (String, String), AGGREGATING window-contents JobsAccumulatorSerializer,"
                        + " TumblingEventTimeWindows(3600000), lateness 300000");
    }

    private static String layout(StreamNode node, WindowOperator<?, ?, ?, ?, ?> window) {
        StateDescriptor<?, ?> contents = window.getStateDescriptor();
        return node.getTransformationUID() + " key " + describe(node.getStateKeySerializer()) + ", "
                + contents.getType() + " " + contents.getName() + " " + describe(contents.getSerializer()) + ", "
                + window.getWindowAssigner() + ", lateness " + allowedLateness(window);
    }

    /** A tuple as its fields, a list as its elements, a POJO as its class, anything else as its serializer's class. */
    private static String describe(TypeSerializer<?> serializer) {
        if (serializer instanceof TupleSerializerBase<?> tuple) {
            return Arrays.stream(tuple.getFieldSerializers()).map(WindowStateLayoutTest::describe)
                    .collect(Collectors.joining(", ", "(", ")"));
        }
        if (serializer instanceof ListSerializer<?> list) {
            return describe(list.getElementSerializer()); // the state's kind already says LIST
        }
        if (serializer instanceof PojoSerializer<?> pojo) {
            return pojo.createInstance().getClass().getSimpleName();
        }
        String name = serializer.getClass().getSimpleName();
        return name.equals("StringSerializer") ? "String" : name;
    }

    /** WindowOperator keeps its allowed lateness in a protected field and has no getter for it. */
    private static long allowedLateness(WindowOperator<?, ?, ?, ?, ?> window) {
        try {
            Field field = WindowOperator.class.getDeclaredField("allowedLateness");
            field.setAccessible(true);
            return field.getLong(window);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Flink's WindowOperator has no field allowedLateness any more", e);
        }
    }
}
