package com.gluu.kpi.health;

import static com.gluu.kpi.testing.TimelineFixtures.at;
import static com.gluu.kpi.testing.TimelineFixtures.endpoint;
import static com.gluu.kpi.testing.TimelineFixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.cost.ComputeSlot;
import com.gluu.kpi.cost.TaskTimeline;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.pipeline.InputEnd;
import com.gluu.kpi.pipeline.InputEndMarker;
import com.gluu.kpi.testing.TimelineFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The timeline builders wired as the job will wire them (watermarks, then the InputEnd marker on
 * two parse subtasks, its side output broadcast), on a bounded input with generic types off: the
 * job ends by itself and accrual stops at the latest event time, 00:03:20.
 */
class TimelinesITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void boundedReplayGivesSlotsAndHealthRowsUpToTheLastEventTime() throws Exception {
        JobConfig config = JobConfig.defaults().with(Map.of("job.checkpoint_interval", "0s", "job.parallelism", 2));
        PricingTable pricing = TimelineFixtures.pricing(dir);
        StreamExecutionEnvironment env = KpiJob.environment(config);

        List<Event> input = List.of(
                endpoint("ep", "blip2", "InService", "ml.g5.xlarge", 1, at(0, 30)),
                task("t-1", "RUNNING", 0.5, 2, at(0, 0)),
                task("t-1", "STOPPED", Double.NaN, Double.NaN, at(1, 30)),
                endpoint("ep", "Failed", at(2, 10)),
                endpoint("ep", "InService", at(2, 40)),
                task("t-2", "RUNNING", 1, 1, at(3, 20))); // the latest event time: the end of accrual
        SingleOutputStreamOperator<Event> events = env.fromData(input).returns(TypeInformation.of(Event.class))
                .rebalance()
                .assignTimestampsAndWatermarks(WatermarkStrategy.<Event>forBoundedOutOfOrderness(Duration.ofSeconds(30))
                        .withTimestampAssigner((e, previous) -> e.ts))
                .transform("input end", TypeInformation.of(Event.class), new InputEndMarker());
        DataStream<InputEnd> ends = events.getSideOutput(InputEndMarker.INPUT_END);

        DataStream<EndpointSlot> slots = EndpointTimeline.slots(events, ends, pricing, config);
        CloseableIterator<EndpointSlot> slotOut = slots.collectAsync();
        CloseableIterator<EndpointHealthRow> healthOut = EndpointHealthRows.rows(slots, config).collectAsync();
        CloseableIterator<ComputeSlot> computeOut = TaskTimeline.slots(events, ends, pricing, config).collectAsync();
        env.execute("timelines");

        List<EndpointSlot> endpointSlots = new ArrayList<>();
        slotOut.forEachRemaining(endpointSlots::add);
        List<EndpointHealthRow> health = new ArrayList<>();
        healthOut.forEachRemaining(health::add);
        List<ComputeSlot> compute = new ArrayList<>();
        computeOut.forEachRemaining(compute::add);

        // Endpoint: InService 00:30–02:10, Failed 02:10–02:40, InService 02:40–03:20.
        endpointSlots.sort(Comparator.comparingLong(s -> s.slotStart));
        assertThat(endpointSlots).extracting(s -> s.slotStart).containsExactly(at(0, 0), at(1, 0), at(2, 0), at(3, 0));
        assertThat(endpointSlots).extracting(s -> s.observedMs).containsExactly(30_000L, 60_000L, 60_000L, 20_000L);
        // Billed 30 + 60 + 30 + 20 = 140 s at 0.0004 USD/s.
        assertThat(endpointSlots.stream().mapToDouble(s -> s.hostingUsd).sum()).isCloseTo(0.056, within(1e-12));

        health.sort(Comparator.comparingLong((EndpointHealthRow r) -> r.windowEnd - r.windowStart)
                .thenComparingLong(r -> r.windowStart));
        assertThat(health).hasSize(5);
        assertThat(health.subList(0, 4)).extracting(r -> r.inServiceSeconds).containsExactly(30.0, 60.0, 30.0, 20.0);
        assertThat(health.subList(0, 4)).extracting(r -> r.uptimeRatio).containsExactly(1.0, 1.0, 0.5, 1.0);
        assertThat(health.get(2).restarts).isEqualTo(1);
        assertThat(health.get(2).failures).isEqualTo(1);
        EndpointHealthRow hour = health.get(4);
        assertThat(hour.windowStart).isEqualTo(TimelineFixtures.T);
        // 170 s observed, 140 s InService.
        assertThat(hour.inServiceSeconds).isEqualTo(140.0);
        assertThat(hour.uptimeRatio).isEqualTo(14.0 / 17.0);
        assertThat(hour.restarts).isEqualTo(1);
        assertThat(hour.failures).isEqualTo(1);

        // Task t-1: RUNNING 00:00–01:30 at 0.026 USD/h; t-2 starts at the end time: nothing.
        compute.sort(Comparator.comparingLong(s -> s.slotStart));
        assertThat(compute).extracting(s -> s.slotStart).containsExactly(at(0, 0), at(1, 0));
        assertThat(compute).extracting(s -> s.runningTaskMs).containsExactly(60_000L, 30_000L);
        assertThat(compute.get(0).usd).isCloseTo(0.026 / 60, within(1e-15));
        assertThat(compute.get(1).usd).isCloseTo(0.026 / 120, within(1e-15));
    }
}
