package com.gluu.kpi.cost;

import static com.gluu.kpi.testing.TimelineFixtures.MINUTE;
import static com.gluu.kpi.testing.TimelineFixtures.at;
import static com.gluu.kpi.testing.TimelineFixtures.drain;
import static com.gluu.kpi.testing.TimelineFixtures.inputEnd;
import static com.gluu.kpi.testing.TimelineFixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.pipeline.InputEnd;
import com.gluu.kpi.testing.TimelineFixtures;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TaskTimeline} in an operator harness: 1-minute slots, 0.036 USD/vCPU-h, 0.004 USD/GB-h. */
class TaskTimelineTest {
    private static final double USD = 1e-15;

    @TempDir
    Path dir;

    private TaskTimeline operator;
    private KeyedTwoInputStreamOperatorTestHarness<String, Event, InputEnd, ComputeSlot> harness;

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private void open(PricingTable pricing) throws Exception {
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(operator = new TaskTimeline(MINUTE, pricing),
                (Event e) -> e.task.taskId, (InputEnd e) -> "", Types.STRING);
        harness.open();
    }

    private void event(Event e) throws Exception {
        harness.processElement1(new StreamRecord<>(e, e.ts));
    }

    private static void assertSlot(StreamRecord<ComputeSlot> r, long slotStart, long runningS, double usd) {
        ComputeSlot s = r.getValue();
        assertThat(r.getTimestamp()).isEqualTo(slotStart + MINUTE - 1);
        assertThat(s.service).isEqualTo("analyze-api");
        assertThat(s.slotStart).isEqualTo(slotStart);
        assertThat(s.slotEnd).isEqualTo(slotStart + MINUTE);
        assertThat(s.runningTaskMs).isEqualTo(runningS * 1000);
        assertThat(s.usd).isCloseTo(usd, within(USD));
    }

    @Test
    void runningTimeIsPricedByVcpuAndMemoryUntilStopped() throws Exception {
        open(TimelineFixtures.pricing(dir));
        event(task("t-1", "RUNNING", 0.5, 2, at(0, 15)));
        event(task("t-1", "STOPPED", Double.NaN, Double.NaN, at(2, 45)));
        harness.processBothWatermarks(new Watermark(at(4, 0)));

        List<StreamRecord<ComputeSlot>> slots = drain(harness);
        // 0.5 × 0.036 + 2 × 0.004 = 0.026 USD/h: 45 s → 0.000325, 60 s → 0.026 / 60.
        assertThat(slots).hasSize(3);
        assertSlot(slots.get(0), at(0, 0), 45, 0.000325);
        assertSlot(slots.get(1), at(1, 0), 60, 0.026 / 60);
        assertSlot(slots.get(2), at(2, 0), 45, 0.000325);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(operator.unpricedSlots()).isZero();
    }

    @Test
    void missingMemoryIsChargedZeroAndCountedUntilARunningEventGivesIt() throws Exception {
        open(TimelineFixtures.pricing(dir));
        event(task("t-2", "RUNNING", 1, Double.NaN, at(0, 0)));
        event(task("t-2", "RUNNING", Double.NaN, 4, at(1, 0))); // vcpu carried over from the first
        harness.processBothWatermarks(new Watermark(at(2, 0)));

        List<StreamRecord<ComputeSlot>> slots = drain(harness);
        assertThat(slots).hasSize(2);
        assertSlot(slots.get(0), at(0, 0), 60, 0.036 / 60);               // vCPU only
        assertSlot(slots.get(1), at(1, 0), 60, (0.036 + 4 * 0.004) / 60); // 0.052 USD/h
        assertThat(operator.unpricedSlots()).isEqualTo(1);
    }

    @Test
    void boundedInputStopsTheTaskAtTheLatestEventTime() throws Exception {
        open(TimelineFixtures.pricing(dir));
        event(task("t-3", "RUNNING", 0.25, 0.5, at(0, 0)));
        harness.processElement2(new StreamRecord<>(inputEnd(at(1, 30))));
        harness.processBothWatermarks(new Watermark(Long.MAX_VALUE));

        List<StreamRecord<ComputeSlot>> slots = drain(harness);
        // 0.25 × 0.036 + 0.5 × 0.004 = 0.011 USD/h.
        assertThat(slots).hasSize(2);
        assertSlot(slots.get(0), at(0, 0), 60, 0.011 / 60);
        assertSlot(slots.get(1), at(1, 0), 30, 0.011 / 120);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void withoutFargatePricesTimeIsCountedButCostsNothing() throws Exception {
        open(PricingTable.empty());
        event(task("t-4", "RUNNING", 2, 8, at(0, 30)));
        harness.processBothWatermarks(new Watermark(at(2, 0)));

        List<StreamRecord<ComputeSlot>> slots = drain(harness);
        assertThat(slots).hasSize(2);
        assertSlot(slots.get(0), at(0, 0), 30, 0);
        assertSlot(slots.get(1), at(1, 0), 60, 0);
        assertThat(operator.unpricedSlots()).isEqualTo(2);
    }
}
