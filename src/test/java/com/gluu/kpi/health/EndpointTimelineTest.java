package com.gluu.kpi.health;

import static com.gluu.kpi.testing.TimelineFixtures.MINUTE;
import static com.gluu.kpi.testing.TimelineFixtures.T;
import static com.gluu.kpi.testing.TimelineFixtures.at;
import static com.gluu.kpi.testing.TimelineFixtures.drain;
import static com.gluu.kpi.testing.TimelineFixtures.endpoint;
import static com.gluu.kpi.testing.TimelineFixtures.inputEnd;
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

/**
 * {@link EndpointTimeline} in an operator harness, 1-minute slots, ml.g5.xlarge at 1.44 USD/h
 * (0.0004 USD per instance-second). Times are written as mm:ss after {@link TimelineFixtures#T}.
 */
class EndpointTimelineTest {
    private static final String EP = "blip2-endpoint";
    private static final String G5 = "ml.g5.xlarge";
    private static final double USD = 1e-12;

    @TempDir
    Path dir;

    private EndpointTimeline operator;
    private KeyedTwoInputStreamOperatorTestHarness<String, Event, InputEnd, EndpointSlot> harness;

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private void create(PricingTable pricing) throws Exception {
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(operator = new EndpointTimeline(MINUTE, pricing),
                (Event e) -> e.endpoint.endpoint, (InputEnd e) -> "", Types.STRING);
    }

    private void open(PricingTable pricing) throws Exception {
        create(pricing);
        harness.open();
    }

    private void open() throws Exception {
        open(TimelineFixtures.pricing(dir));
    }

    private void event(Event e) throws Exception {
        harness.processElement1(new StreamRecord<>(e, e.ts));
    }

    private void watermark(long t) throws Exception {
        harness.processBothWatermarks(new Watermark(t));
    }

    private List<StreamRecord<EndpointSlot>> out() {
        return drain(harness);
    }

    private static void assertSlot(StreamRecord<EndpointSlot> r, long slotStart, long observedS, long inServiceS,
            long billedS, double usd, long restarts, long failures) {
        EndpointSlot s = r.getValue();
        assertThat(r.getTimestamp()).as("timestamp").isEqualTo(slotStart + MINUTE - 1);
        assertThat(s.endpoint).isEqualTo(EP);
        assertThat(s.slotStart).as("slotStart").isEqualTo(slotStart);
        assertThat(s.slotEnd).as("slotEnd").isEqualTo(slotStart + MINUTE);
        assertThat(s.observedMs).as("observedMs of slot %d", (slotStart - T) / MINUTE).isEqualTo(observedS * 1000);
        assertThat(s.inServiceMs).as("inServiceMs of slot %d", (slotStart - T) / MINUTE).isEqualTo(inServiceS * 1000);
        assertThat(s.billedMs).as("billedMs of slot %d", (slotStart - T) / MINUTE).isEqualTo(billedS * 1000);
        assertThat(s.hostingUsd).as("hostingUsd of slot %d", (slotStart - T) / MINUTE).isCloseTo(usd, within(USD));
        assertThat(s.restarts).as("restarts of slot %d", (slotStart - T) / MINUTE).isEqualTo(restarts);
        assertThat(s.failures).as("failures of slot %d", (slotStart - T) / MINUTE).isEqualTo(failures);
    }

    @Test
    void inServiceAccruesThroughEverySlotUpToTheWatermarkWithoutFurtherEvents() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", G5, 2, at(0, 30)));

        watermark(at(0, 59) + 998); // 00:00:59.998: the first slot may still change
        assertThat(out()).isEmpty();

        watermark(at(5, 0));
        List<StreamRecord<EndpointSlot>> slots = out();
        // 2 instances × 1.44 USD/h = 0.0008 USD/s: 30 s → 0.024, 60 s → 0.048.
        assertThat(slots).hasSize(5);
        assertSlot(slots.get(0), at(0, 0), 30, 30, 30, 0.024, 0, 0);
        for (int m = 1; m <= 4; m++) {
            assertSlot(slots.get(m), at(m, 0), 60, 60, 60, 0.048, 0, 0);
        }
        assertThat(slots.get(0).getValue().model).isEqualTo("blip2");
        // Still running: one timer closes the next slot (00:05–00:06).
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
    }

    @Test
    void eventsExactlyAtSlotBoundariesCountInTheSlotTheyStart() throws Exception {
        open();
        event(endpoint(EP, "InService", at(1, 0)));
        event(endpoint(EP, "Failed", at(2, 0)));

        watermark(at(1, 59) + 998);
        assertThat(out()).isEmpty(); // nothing before 00:01 and slot 00:01 not closed yet
        watermark(at(1, 59) + 999);
        List<StreamRecord<EndpointSlot>> first = out();
        // No instance count was ever given: billed as 1 instance → 60 s × 0 USD (no type, unpriced).
        assertThat(first).hasSize(1);
        assertSlot(first.get(0), at(1, 0), 60, 60, 60, 0, 0, 0);

        watermark(at(3, 0));
        List<StreamRecord<EndpointSlot>> second = out();
        assertThat(second).hasSize(1);
        assertSlot(second.get(0), at(2, 0), 60, 0, 0, 0, 0, 1);
    }

    @Test
    void boundedInputEndsAtTheLatestEventTimeWithAPartialSlotAndNoTimerLeft() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", G5, 1, at(0, 30)));
        harness.processElement2(new StreamRecord<>(inputEnd(at(3, 20))));
        harness.processWatermark1(new Watermark(Long.MAX_VALUE));
        harness.processWatermark2(new Watermark(Long.MAX_VALUE));

        List<StreamRecord<EndpointSlot>> slots = out();
        // 1 instance: 0.0004 USD/s → 30 s 0.012, 60 s 0.024, 20 s 0.008.
        assertThat(slots).hasSize(4);
        assertSlot(slots.get(0), at(0, 0), 30, 30, 30, 0.012, 0, 0);
        assertSlot(slots.get(1), at(1, 0), 60, 60, 60, 0.024, 0, 0);
        assertSlot(slots.get(2), at(2, 0), 60, 60, 60, 0.024, 0, 0);
        assertSlot(slots.get(3), at(3, 0), 20, 20, 20, 0.008, 0, 0);
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void endTimeIsTheLatestOfAllMarkersAndAppliesOnlyAtTheFinalWatermark() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", G5, 1, at(0, 0)));
        // One parse subtask is done early: its input ended at 00:00:40, but the others go on.
        harness.processElement2(new StreamRecord<>(inputEnd(at(0, 40))));
        harness.processElement2(new StreamRecord<>(inputEnd(Long.MIN_VALUE))); // a subtask that read nothing
        watermark(at(2, 0));
        List<StreamRecord<EndpointSlot>> running = out();
        assertThat(running).hasSize(2);
        assertSlot(running.get(0), at(0, 0), 60, 60, 60, 0.024, 0, 0);
        assertSlot(running.get(1), at(1, 0), 60, 60, 60, 0.024, 0, 0);

        harness.processElement2(new StreamRecord<>(inputEnd(at(2, 30))));
        watermark(Long.MAX_VALUE);
        List<StreamRecord<EndpointSlot>> last = out();
        assertThat(last).hasSize(1);
        assertSlot(last.get(0), at(2, 0), 30, 30, 30, 0.012, 0, 0);
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void reenteringInServiceAfterAFailureIsARestart() throws Exception {
        open(); // no instance type or count given anywhere: 1 instance of an unpriced type, 0 USD
        event(endpoint(EP, "Creating", at(0, 10)));
        event(endpoint(EP, "InService", at(0, 40))); // first InService: not a restart
        event(endpoint(EP, "Failed", at(1, 20)));
        event(endpoint(EP, "InService", at(2, 30)));
        watermark(at(3, 0));

        List<StreamRecord<EndpointSlot>> slots = out();
        assertThat(slots).hasSize(3);
        assertSlot(slots.get(0), at(0, 0), 50, 20, 20, 0, 0, 0);
        assertSlot(slots.get(1), at(1, 0), 60, 20, 20, 0, 0, 1);
        assertSlot(slots.get(2), at(2, 0), 60, 30, 30, 0, 1, 0);
    }

    @Test
    void scaleOutThroughUpdatingIsNoRestartAndUpdatingIsBilled() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", G5, 1, at(0, 0)));
        event(endpoint(EP, "blip2", "Updating", G5, 2, at(0, 20)));
        event(endpoint(EP, "blip2", "InService", "", -1, at(0, 40))); // type and count carried over
        watermark(at(2, 0));

        List<StreamRecord<EndpointSlot>> slots = out();
        assertThat(slots).hasSize(2);
        // 00:00–00:20 1 instance (20 × 0.0004 = 0.008), 00:20–01:00 2 instances (40 × 0.0008 = 0.032).
        assertSlot(slots.get(0), at(0, 0), 60, 40, 60, 0.040, 0, 0);
        assertSlot(slots.get(1), at(1, 0), 60, 60, 60, 0.048, 0, 0);
    }

    @Test
    void deletedEmitsThePartialSlotAndLeavesNoStateOrTimers() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", G5, 1, at(0, 10)));
        event(endpoint(EP, "blip2", "Deleting", "", -1, at(1, 30)));
        event(endpoint(EP, "blip2", "Deleted", "", -1, at(1, 45)));
        watermark(at(5, 0));

        List<StreamRecord<EndpointSlot>> slots = out();
        assertThat(slots).hasSize(2);
        assertSlot(slots.get(0), at(0, 0), 50, 50, 50, 0.020, 0, 0);
        // 01:00–01:30 InService (billed, 0.012 USD), 01:30–01:45 Deleting (observed, not billed).
        assertSlot(slots.get(1), at(1, 0), 45, 30, 30, 0.012, 0, 0);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();

        watermark(at(9, 0));
        assertThat(out()).isEmpty();
    }

    @Test
    void outOfOrderEventsAreAppliedInTsOrderAndALateOneWhereAccrualStands() throws Exception {
        open();
        event(endpoint(EP, "Failed", at(0, 40)));    // arrives first
        event(endpoint(EP, "InService", at(0, 10))); // but happened first
        watermark(at(1, 0));

        List<StreamRecord<EndpointSlot>> first = out();
        assertThat(first).hasSize(1);
        // In ts order: InService 00:10–00:40, then Failed. (In arrival order it would start at 00:40.)
        assertSlot(first.get(0), at(0, 0), 50, 30, 30, 0, 0, 1);

        // Late: happened at 00:50, but slot 00:00 is out: it takes effect at 01:00, and its
        // restart counts in slot 01:00.
        event(endpoint(EP, "InService", at(0, 50)));
        watermark(at(2, 0));
        List<StreamRecord<EndpointSlot>> second = out();
        assertThat(second).hasSize(1);
        assertSlot(second.get(0), at(1, 0), 60, 60, 60, 0, 1, 0);
    }

    @Test
    void unpricedInstanceTypeCostsNothingAndEachSuchSlotIsCounted() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", "ml.p5.48xlarge", 3, at(0, 0)));
        event(endpoint("priced-endpoint", "blip2", "InService", G5, 1, at(0, 0)));
        watermark(at(2, 0));

        List<StreamRecord<EndpointSlot>> slots = out();
        assertThat(slots).hasSize(4);
        List<StreamRecord<EndpointSlot>> unpriced = slots.stream().filter(r -> r.getValue().endpoint.equals(EP)).toList();
        assertThat(unpriced).hasSize(2);
        assertSlot(unpriced.get(0), at(0, 0), 60, 60, 60, 0, 0, 0);
        assertSlot(unpriced.get(1), at(1, 0), 60, 60, 60, 0, 0, 0);
        assertThat(slots.stream().filter(r -> !r.getValue().endpoint.equals(EP)).map(r -> r.getValue().hostingUsd))
                .allSatisfy(usd -> assertThat(usd).isCloseTo(0.024, within(USD)));
        assertThat(operator.unpricedSlots()).isEqualTo(2);
    }

    @Test
    void aModelChangeWithinASlotGivesOneRecordPerModel() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", G5, 1, at(0, 0)));
        event(endpoint(EP, "blip2-v2", "Updating", "", -1, at(0, 20)));
        event(endpoint(EP, "blip2-v2", "InService", "", -1, at(0, 50)));
        watermark(at(1, 0));

        List<StreamRecord<EndpointSlot>> slots = out();
        assertThat(slots).extracting(r -> r.getValue().model).containsExactly("blip2", "blip2-v2");
        assertSlot(slots.get(0), at(0, 0), 20, 20, 20, 0.008, 0, 0);
        assertSlot(slots.get(1), at(0, 0), 40, 10, 40, 0.016, 0, 0);
    }

    @Test
    void finalWatermarkWithoutInputEndStopsAtTheKeysLatestEvent() throws Exception {
        open(); // e.g. an unbounded job drained with a final watermark: no InputEnd
        event(endpoint(EP, "InService", at(0, 30)));
        event(endpoint(EP, "Failed", at(2, 10)));
        watermark(at(1, 0));
        assertThat(out()).hasSize(1);

        watermark(Long.MAX_VALUE);
        List<StreamRecord<EndpointSlot>> slots = out();
        assertThat(slots).hasSize(2);
        assertSlot(slots.get(0), at(1, 0), 60, 60, 60, 0, 0, 0);
        assertSlot(slots.get(1), at(2, 0), 10, 10, 10, 0, 0, 1);
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void anEndpointCreatedAgainAfterDeletedStartsANewTimeline() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", G5, 1, at(0, 0)));
        event(endpoint(EP, "blip2", "Deleted", "", -1, at(0, 20)));
        event(endpoint(EP, "blip2", "Creating", G5, 1, at(0, 40)));
        event(endpoint(EP, "blip2", "InService", "", -1, at(1, 0)));
        watermark(at(2, 0));

        List<StreamRecord<EndpointSlot>> slots = out();
        // Slot 00:00 twice: the old endpoint's 20 s, then the new one's 20 s (Creating: not billed).
        assertThat(slots).hasSize(3);
        assertSlot(slots.get(0), at(0, 0), 20, 20, 20, 0.008, 0, 0);
        assertSlot(slots.get(1), at(0, 0), 20, 0, 0, 0, 0, 0);
        // The new endpoint has not been InService before: Creating → InService is no restart;
        // its count was given again on Creating (the old one's was forgotten with its state).
        assertSlot(slots.get(2), at(1, 0), 60, 60, 60, 0.024, 0, 0);
    }

    @Test
    void theEndTimeAndTheTimelineSurviveACheckpoint() throws Exception {
        open();
        event(endpoint(EP, "blip2", "InService", G5, 1, at(0, 30)));
        event(endpoint(EP, "blip2", "Failed", "", -1, at(1, 10)));
        watermark(at(1, 0));
        assertThat(out()).hasSize(1);
        harness.processElement2(new StreamRecord<>(inputEnd(at(1, 40))));
        var snapshot = harness.snapshot(1, 1);
        harness.close();

        create(TimelineFixtures.pricing(dir));
        harness.initializeState(snapshot);
        harness.open();
        watermark(Long.MAX_VALUE);
        List<StreamRecord<EndpointSlot>> slots = out();
        // 01:00–01:10 InService (0.004 USD), 01:10–01:40 Failed, then the end of input.
        assertThat(slots).hasSize(1);
        assertSlot(slots.get(0), at(1, 0), 40, 10, 10, 0.004, 0, 1);
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}
